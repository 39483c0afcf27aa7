import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// An integration manager subscribes an endpoint to events from its form, then finds the event the
// product delivered among the outgoing events, with its delivery. The Python test
// (tests/test_events_tour.py) delivers the event in between and checks what the screens changed.

registry.category("web_tour.tours").add("integration_events_subscribe_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("integration_core.menu_integration_root", "Open Integrations"),
        {
            trigger: ".o_action_manager .o_view_controller .o_control_panel",
        },
        {
            content: "Open Configuration",
            trigger: '.o_menu_sections [data-menu-xmlid="integration_core.menu_integration_config"]',
            run: "click",
        },
        {
            content: "Open Endpoints",
            trigger: '.dropdown-item[data-menu-xmlid="integration_core.menu_integration_endpoint"]',
            run: "click",
        },
        {
            content: "Open the receiving endpoint",
            trigger: ".o_list_view .o_data_row:contains(TOUREVENTS) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Open its Events tab",
            trigger: ".o_form_view a[name=events]",
            run: "click",
        },
        {
            content: "Give the receiver's address",
            trigger: ".o_form_view div[name=outbound_url] input",
            run: "edit http://127.0.0.1:9/hooks/tour",
        },
        {
            content: "Add a subscription",
            trigger: ".o_form_view div[name=subscription_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Choose the event",
            trigger: ".o_form_view div[name=subscription_ids] .o_data_row div[name=event_type_id] input",
            run: "edit needs attention",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(a message needs attention)",
            run: "click",
        },
        {
            content: "Save the endpoint",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the address is shown without what it could hide",
            trigger: ".o_form_view .o_form_saved div[name=outbound_address_shown]:contains(127.0.0.1:9/hooks/tour)",
        },
    ],
});

registry.category("web_tour.tours").add("integration_events_delivered_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("integration_core.menu_integration_root", "Open Integrations"),
        {
            trigger: ".o_action_manager .o_view_controller .o_control_panel",
        },
        {
            content: "Open Messages",
            trigger: '.o_menu_sections [data-menu-xmlid="integration_core.menu_integration_messages"]',
            run: "click",
        },
        {
            content: "Open the outgoing events",
            trigger: '.dropdown-item[data-menu-xmlid="integration_core.menu_integration_outbound_event"]',
            run: "click",
        },
        {
            content: "Open the event about the message in exception",
            trigger: ".o_list_view .o_data_row:contains(TOUREVENTS) .o_data_cell[name=flow_id]",
            run: "click",
        },
        {
            content: "Its deliveries",
            trigger: ".o_form_view a[name=deliveries]",
            run: "click",
        },
        {
            content: "Delivered, with the receiver's answer",
            trigger: ".o_form_view div[name=delivery_attempt_ids] .o_data_row:contains(Delivered):contains(200)",
        },
    ],
});
