"""--report writes one self-contained HTML page whose images all decode."""

import base64
import io
from html.parser import HTMLParser

import matplotlib.image
import pytest

from lstmkit.cli import main


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.headings, self._in_h2 = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag in ("link", "script") or (tag == "a" and attrs.get("href", "").startswith("http")):
            self.links.append((tag, attrs))
        self._in_h2 = tag == "h2"

    def handle_data(self, data):
        if self._in_h2:
            self.headings.append(data)
            self._in_h2 = False


def read_page(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def assert_images_decode(page: Page, n: int) -> None:
    assert len(page.images) == n
    for src in page.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(src[len(prefix):])), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100


@pytest.mark.parametrize("argv, n_images, heading", [
    (["forecast", "--epochs", "5", "--no-plot"], 2, "Forecasts"),
    (["classify", "--dataset", "ItalyPowerDemand", "--epochs", "3", "--no-plot"], 2, "Confusion matrix"),
])
def test_report_is_self_contained_and_every_image_decodes(argv, n_images, heading, tmp_path, capsys):
    report = tmp_path / "report.html"
    assert main([*argv, "--report", str(report)]) == 0
    page = read_page(report)
    assert not page.links  # no external stylesheet, script or link: opens offline
    assert_images_decode(page, n_images)
    assert any(h.startswith(heading) for h in page.headings)
    assert "Training: diagnosis and learning curves" in page.headings and "Configuration" in page.headings
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
