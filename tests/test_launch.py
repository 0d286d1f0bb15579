"""Launch buttons: one repository URL in _config.yml switches them on; with none, no dead button appears."""

from __future__ import annotations

import json
import zipfile

import pytest
import yaml
from bs4 import BeautifulSoup

from qantar.sphinxext import launch_links
from test_book import NOTEBOOK_HEADER, write_small_book

from conftest import REPO, build_book, failure_report

SERVICES = {
    "binderhub_url": "https://mybinder.org",
    "colab_url": "https://colab.research.google.com",
    "jupyterhub_url": "https://hub.example.edu",
}


def test_no_repository_url_means_no_launch_button():
    assert launch_links({**SERVICES, "repository_url": ""}, "01-causes.ipynb") == []


def test_each_service_opens_the_chapter_in_the_class_pack_branch():
    links = {
        link["text"]: link["url"]
        for link in launch_links(
            {**SERVICES, "repository_url": "https://github.com/example-org/qandy-qantar"}, "02-article-4.ipynb"
        )
    }
    assert links == {
        "Binder": "https://mybinder.org/v2/gh/example-org/qandy-qantar/notebooks?urlpath=lab/tree/02-article-4.ipynb",
        "JupyterHub": (
            "https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fexample-org"
            "%2Fqandy-qantar&branch=notebooks&urlpath=lab%2Ftree%2Fqandy-qantar%2F02-article-4.ipynb"
        ),
        "Colab": "https://colab.research.google.com/github/example-org/qandy-qantar/blob/notebooks/02-article-4.ipynb",
    }


def test_a_repository_outside_github_gets_binder_and_jupyterhub_but_not_colab():
    links = {
        link["text"]: link["url"]
        for link in launch_links(
            {**SERVICES, "repository_url": "https://gitlab.example.edu/course/qandy-qantar.git"}, "01-causes.ipynb"
        )
    }
    assert set(links) == {"Binder", "JupyterHub"}
    assert links["Binder"].startswith("https://mybinder.org/v2/git/https%3A%2F%2Fgitlab.example.edu")


def test_the_shipped_configuration_has_an_empty_repository_and_no_button_is_built(built_book):
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"] == ""
    for page in built_book.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for service in ("mybinder.org", "colab.research.google.com", "git-pull?", "launch-buttons"):
            assert service not in text, f"{page.name} has a launch button ({service}) with no repository set"


@pytest.mark.book
def test_setting_the_repository_url_adds_working_launch_links_to_chapters(tmp_path):
    folder = tmp_path / "book"
    write_small_book(
        folder,
        NOTEBOOK_HEADER
        + """\
    # Probe

    ```{code-cell} ipython3
    1 + 1
    ```
    """,
    )
    config_file = folder / "_config.yml"
    config_file.write_text(
        config_file.read_text(encoding="utf-8").replace(
            'url: ""', 'url: "https://github.com/example-org/qandy-qantar"', 1
        ),
        encoding="utf-8",
    )
    result = build_book(folder)
    assert result.returncode == 0, failure_report(result)
    html = folder / "_build" / "html"
    page = BeautifulSoup((html / "chapters" / "probe.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in page.select("a[href]")]
    assert "https://mybinder.org/v2/gh/example-org/qandy-qantar/notebooks?urlpath=lab/tree/01-probe.ipynb" in hrefs
    assert "https://colab.research.google.com/github/example-org/qandy-qantar/blob/notebooks/01-probe.ipynb" in hrefs
    assert not [h for h in hrefs if "git-pull" in h], "JupyterHub needs its own address; the default is empty"
    landing = (html / "index.html").read_text(encoding="utf-8")
    assert "mybinder.org" not in landing, "only chapters (notebooks) get launch buttons"
    # Colab opens the notebook alone: its first code cell fetches the class pack from the branch.
    with zipfile.ZipFile(html / "_downloads" / "qandy-qantar-class-pack.zip") as pack:
        notebook = json.loads(pack.read("qandy-qantar-class-pack/01-probe.ipynb"))
    first_code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    source = "".join(first_code["source"])
    assert '"google.colab" in sys.modules' in source
    assert "'https://github.com/example-org/qandy-qantar'" in source and '"notebooks"' in source
