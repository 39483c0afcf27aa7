import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// The finance user's daily screens in the browser: a request the API refused found again by the key
// the sender quotes, and the dashboard drilled down to the exceptions behind its figures. The Python
// tests (tests/test_tours.py) set the data up and check the figures against the records.

function openIntegrations() {
    // Wait for the app's first screen: a menu clicked while it still loads would be replaced by it.
    return [
        ...stepUtils.goToAppSteps("integration_core.menu_integration_root", "Open Integrations"),
        {
            content: "The first screen of Integrations is shown",
            trigger: ".o_action_manager .o_view_controller .o_control_panel",
        },
    ];
}

function searchFirstField(text) {
    // Typing then choosing the first field the search offers (its most specific one).
    return [
        {
            content: `Search ${text}`,
            trigger: ".o_control_panel .o_searchview_input",
            run: `edit ${text}`,
        },
        {
            content: "In the first field offered",
            trigger: ".o_searchview_autocomplete .o-dropdown-item:first",
            run: "click",
        },
        {
            trigger: `.o_control_panel .o_searchview_facet:contains(${text})`,
        },
    ];
}

registry.category("web_tour.tours").add("integration_core_rejected_request_tour", {
    url: "/odoo",
    steps: () => [
        ...openIntegrations(),
        {
            content: "Open Messages",
            trigger: '.o_menu_sections [data-menu-xmlid="integration_core.menu_integration_messages"]',
            run: "click",
        },
        {
            content: "Open the requests the API refused",
            trigger: '.dropdown-item[data-menu-xmlid="integration_core.menu_integration_rejected_request"]',
            run: "click",
        },
        {
            trigger: ".o_list_view th[data-name=refusal]",
        },
        ...searchFirstField("tour-refused-key"),
        {
            content: "Open the refused request",
            trigger: ".o_list_view .o_data_row:contains(tour-refused-key) .o_data_cell[name=refusal]",
            run: "click",
        },
        {
            content: "What the sender quotes is on it",
            trigger: ".o_form_view div[name=idempotency_key]:contains(tour-refused-key)",
        },
        {
            content: "The status the sender got",
            trigger: ".o_form_view div[name=status]:contains(422)",
        },
        {
            content: "The sender",
            trigger: ".o_form_view div[name=endpoint_id]:contains(TOURREFUSE)",
        },
        {
            content: "The reason is given in words",
            trigger: ".o_form_view div[name=reason]:contains(lines)",
        },
    ],
});

let openExceptionsShown = null;

registry.category("web_tour.tours").add("integration_core_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        // Integrations opens on its dashboard (its first menu).
        ...openIntegrations(),
        {
            content: "The dashboard lists the entities taking part",
            trigger: ".o_list_view th[data-name=open_exceptions]",
        },
        {
            content: "Unfold the Belgian entity",
            trigger: ".o_list_view .o_group_header:contains(Northwind Group NV)",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_group_header.o_group_open:contains(Northwind Group NV)",
        },
        {
            content: "Drill down to the open exceptions of its flow that has some",
            trigger: ".o_list_view .o_data_row:has(button[name=action_open_exceptions]):first",
            run({ anchor, queryOne }) {
                openExceptionsShown = parseInt(
                    queryOne(".o_data_cell[name=open_exceptions]", { root: anchor }).textContent,
                    10
                );
                queryOne("button[name=action_open_exceptions]", { root: anchor }).click();
            },
        },
        {
            content: "The exceptions behind the figure are listed",
            trigger: ".o_list_view th[data-name=occurrence_count]",
        },
        {
            content: "As many as the dashboard said",
            trigger: ".o_list_view .o_data_row:contains(627777)",
            run({ queryAll }) {
                const rows = queryAll(".o_list_view .o_data_row").length;
                if (rows !== openExceptionsShown) {
                    throw new Error(
                        `The dashboard showed ${openExceptionsShown} open exceptions, the list ${rows}`
                    );
                }
            },
        },
        {
            content: "Open the exception",
            trigger: ".o_list_view .o_data_row:contains(627777) .o_data_cell[name=code]",
            run: "click",
        },
        {
            content: "It says what to do: add the missing mapping",
            trigger: ".o_form_view button[name=action_add_mapping]",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item:first a",
            run: "click",
        },
        {
            trigger: ".o_list_view th[data-name=open_exceptions]",
        },
    ],
});
