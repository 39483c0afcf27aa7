import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Intercompany as the people who use it: the receiving entity's approver approves one mirrored bill and
// rejects another with a reason; a manager checks the period close of an entity and holds its messages.
// The Python test (tests/test_tours.py) sets the data up and checks what the clicks changed.

const ROOT = "integration_core.menu_integration_root";
const SECTION = "integration_intercompany.menu_intercompany_root";

function openIntercompanyMenu(itemXmlid, shown) {
    // Wait for the app's first screen: a menu clicked while it still loads would be replaced by it.
    return [
        ...stepUtils.goToAppSteps(ROOT, "Open Integrations"),
        {
            content: "The first screen of Integrations is shown",
            trigger: ".o_action_manager .o_view_controller .o_control_panel",
        },
        {
            content: "Open Intercompany",
            trigger: `.o_menu_sections [data-menu-xmlid="${SECTION}"]`,
            run: "click",
        },
        {
            content: "Open the screen",
            trigger: `.dropdown-item[data-menu-xmlid="${itemXmlid}"]`,
            run: "click",
        },
        {
            content: "The screen is shown",
            trigger: shown,
        },
    ];
}

function openBillOf(amount) {
    return [
        ...openIntercompanyMenu(
            "integration_intercompany.menu_ic_mirrors_to_approve",
            ".o_list_view .o_data_row"
        ),
        {
            content: `Open the bill of ${amount}`,
            trigger: `.o_list_view .o_data_row:contains(${amount}) .o_data_cell:first`,
            run: "click",
        },
        {
            content: "The bill says it waits for an approver",
            trigger: ".o_form_view .alert:contains(Waiting for an approver of this entity)",
        },
    ];
}

registry.category("web_tour.tours").add("integration_intercompany_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...openBillOf("5,432.10"),
        {
            content: "Approve it",
            trigger: ".o_form_view button[name=action_ic_approve]",
            run: "click",
        },
        {
            content: "Confirm the posting",
            trigger: ".modal:contains(Post this intercompany bill) .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The bill is posted",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Nothing is left to approve on it",
            trigger: ".o_form_view:not(:has(button[name=action_ic_approve]))",
        },
    ],
});

registry.category("web_tour.tours").add("integration_intercompany_reject_tour", {
    url: "/odoo",
    steps: () => [
        ...openBillOf("7,654.30"),
        {
            content: "Reject it",
            trigger: ".o_form_view button[name=action_ic_reject]",
            run: "click",
        },
        {
            content: "Say why, for the entity that issued the invoice",
            trigger: ".modal .o_field_widget[name=reason] textarea, .modal .o_field_widget[name=reason] input",
            run: "edit October's services were already billed on BE-0042.",
        },
        {
            content: "Confirm the rejection",
            trigger: ".modal button[name=action_reject]",
            run: "click",
        },
        {
            content: "The bill shows the rejection and its reason",
            trigger: ".o_form_view .alert-danger:contains(already billed on BE-0042)",
        },
    ],
});

registry.category("web_tour.tours").add("integration_intercompany_close_tour", {
    url: "/odoo",
    steps: () => [
        ...openIntercompanyMenu(
            "integration_intercompany.menu_close_period_group",
            ".modal button[name=action_show]"
        ),
        {
            content: "Check the period of the entities chosen (last month by default)",
            trigger: ".modal button[name=action_show]",
            run: "click",
        },
        {
            content: "Open the close cockpit of the Belgian entity",
            trigger: ".o_list_view .o_data_row:contains(Northwind Group NV) .o_data_cell:first",
            run: "click",
        },
        {
            content: "The checklist says what blocks the close",
            trigger: ".o_form_view .o_field_widget[name=check_ids] .o_data_row:contains(blocking)",
        },
        {
            content: "Hold the entity's messages",
            trigger: ".o_form_view button[name=action_hold_flows]",
            run: "click",
        },
        {
            content: "Confirm the hold",
            trigger: ".modal:contains(Hold?) .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The hold can now be lifted from here",
            trigger: ".o_form_view button[name=action_release_flows]",
        },
    ],
});
