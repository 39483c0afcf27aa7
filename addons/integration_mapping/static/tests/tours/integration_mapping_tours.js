import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// The finance user's path to fix an unknown account: from the exception, through Add Mapping, to a
// version submitted for approval; a second manager then approves it from "To Approve". The Python
// test (tests/test_tours.py) sets the data up and processes the queue between and after the tours.

const ROOT = "integration_core.menu_integration_root";

function openIntegrations() {
    // Wait for the app's first screen: a menu clicked while it still loads would be replaced by it.
    return [
        ...stepUtils.goToAppSteps(ROOT, "Open Integrations"),
        {
            content: "The first screen of Integrations is shown",
            trigger: ".o_action_manager .o_view_controller .o_control_panel",
        },
    ];
}

function openMenu(sectionXmlid, itemXmlid, shown) {
    // A top-level entry is a plain link; an entry under a section opens from that section's dropdown.
    const steps = [];
    if (sectionXmlid) {
        steps.push({
            content: "Open the menu section",
            trigger: `.o_menu_sections [data-menu-xmlid="${sectionXmlid}"]`,
            run: "click",
        });
    }
    steps.push(
        {
            content: "Open the menu",
            trigger: sectionXmlid
                ? `.dropdown-item[data-menu-xmlid="${itemXmlid}"]`
                : `.o_menu_sections [data-menu-xmlid="${itemXmlid}"]`,
            run: "click",
        },
        {
            content: "The screen of that menu is shown",
            trigger: shown,
        }
    );
    return steps;
}

registry.category("web_tour.tours").add("integration_mapping_add_mapping_tour", {
    url: "/odoo",
    steps: () => [
        ...openIntegrations(),
        ...openMenu(
            null,
            "integration_core.menu_integration_exception",
            ".o_list_view th[data-name=occurrence_count]"
        ),
        {
            content: "Look for the unknown account code among the exceptions",
            trigger: ".o_list_view .o_searchview_input",
            run: "edit 628888",
        },
        {
            content: "Search it in the problem (the first field offered)",
            trigger: ".o_searchview_autocomplete .o-dropdown-item:first",
            run: "click",
        },
        {
            content: "Open the exception",
            trigger: ".o_list_view .o_data_row:contains(628888) .o_data_cell[name=code]",
            run: "click",
        },
        {
            content: "Add a mapping for the missing code",
            trigger: ".o_form_view button[name=action_add_mapping]",
            run: "click",
        },
        {
            content: "Open the lines of the draft version",
            trigger: ".o_form_view .o_notebook .nav-link[name=lines]",
            run: "click",
        },
        {
            content: "The draft version lists the missing code",
            trigger:
                ".o_form_view div[name=line_ids] .o_data_row .o_data_cell[name=external_code]:contains(628888)",
        },
        {
            content: "Choose the account it stands for",
            trigger: ".o_form_view div[name=line_ids] .o_data_row .o_data_cell[name=account_id]",
            run: "click",
        },
        {
            trigger: ".o_form_view div[name=line_ids] .o_selected_row div[name=account_id] input",
            run: "edit 620200",
        },
        {
            content: "Pick it by its code",
            trigger: ".o-autocomplete--dropdown-item a:contains(620200)",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Submit the version for approval",
            trigger: ".o_form_view button[name=action_submit]",
            run: "click",
        },
        {
            content: "It waits for another manager",
            trigger: ".o_form_view .o_statusbar_status button[data-value=submitted].o_arrow_button_current",
        },
        {
            content: "The author is not offered to approve it",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_approve]))",
        },
    ],
});

registry.category("web_tour.tours").add("integration_mapping_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...openIntegrations(),
        ...openMenu(
            "integration_mapping.menu_integration_mapping",
            "integration_mapping.menu_integration_mapping_version_to_approve",
            ".o_list_view th[data-name=can_approve]"
        ),
        {
            content: "Open the version waiting for approval",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name=table_id]",
            run: "click",
        },
        {
            content: "What approving releases is shown before approving",
            trigger: ".o_form_view div[name=impact_release_count]:contains(1)",
        },
        {
            content: "Approve",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The version is approved",
            trigger: ".o_form_view .o_statusbar_status button[data-value=approved].o_arrow_button_current",
        },
    ],
});
