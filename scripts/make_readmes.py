"""Build each addon's README.rst from its manifest and readme/ fragments (OCA layout)."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECTIONS = ("DESCRIPTION", "CONFIGURE", "USAGE", "ROADMAP")


def build(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    title = manifest["name"]
    lines = ["=" * len(title), title, "=" * len(title), "", manifest["summary"] + ".", ""]
    lines += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
    for section in SECTIONS:
        fragment = addon / "readme" / f"{section}.rst"
        if fragment.exists():
            heading = section.capitalize()
            lines += [heading, "-" * len(heading), "", fragment.read_text().strip(), ""]
    lines += ["Credits", "-------", "", f"Authors: {manifest['author']}. License: {manifest['license']}.", ""]
    (addon / "README.rst").write_text("\n".join(lines))


if __name__ == "__main__":
    for manifest_path in sorted((ROOT / "addons").glob("*/__manifest__.py")):
        build(manifest_path.parent)
