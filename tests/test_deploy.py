"""The GitHub Actions workflows run the README's own commands."""

from __future__ import annotations

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_readme_gives_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make book" in readme and "make test" in readme
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").count("make test") >= 1


def test_every_push_runs_make_test():
    test = workflow("test.yml")
    assert "push" in test["on"]
    (job,) = test["jobs"].values()
    assert "make test" in commands(job)
    assert job["container"]["image"].startswith("python:3.11")  # Debian, with apt for chromium


def test_publishing_builds_with_make_book_and_deploys_the_html_to_pages():
    pages = workflow("pages.yml")
    assert pages["on"]["push"]["branches"] == ["main"]
    build, deploy = pages["jobs"]["build"], pages["jobs"]["deploy"]
    assert "make book" in commands(build)
    upload = next(
        step for step in build["steps"] if str(step.get("uses", "")).startswith("actions/upload-pages-artifact")
    )
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build"
    assert any(str(step.get("uses", "")).startswith("actions/deploy-pages") for step in deploy["steps"])
    assert pages["permissions"]["pages"] == "write" and pages["permissions"]["id-token"] == "write"
    # The launch buttons open the class pack on the `notebooks` branch, which this workflow pushes.
    assert "qandy-qantar-class-pack.zip" in commands(build) and "notebooks" in commands(build)
