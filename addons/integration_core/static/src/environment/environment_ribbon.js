import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { session } from "@web/session";
import { _t } from "@web/core/l10n/translation";

// Outside production every screen says which environment it is, so nobody takes a test copy
// for the books (or the other way round).
export class IntegrationEnvironmentRibbon extends Component {
    static template = "integration_core.EnvironmentRibbon";
    static props = {};

    get environment() {
        return session.integration_environment;
    }

    get label() {
        const labels = { dev: _t("Development"), test: _t("Test") };
        return labels[this.environment] || this.environment;
    }
}

if (session.integration_environment && session.integration_environment !== "prod") {
    registry
        .category("main_components")
        .add("integration_environment_ribbon", { Component: IntegrationEnvironmentRibbon });
}
