"""The mail frame: a mail's own inline pictures show, nothing else loads unless asked for."""

from __future__ import annotations

from chalicelib.web.mailframe import frame_policy, page_policy, srcdoc, with_inline_images

LINK = "https://bucket.test/attachments/a/0/shot.png?X-Amz-Signature=abc&X-Amz-Expires=60"


def test_known_cid_images_get_their_link_and_unknown_ones_stay():
    html = '<img src="cid:shot@x" alt="a"><img src="CID:other@x"><img src="https://tracker.test/p.gif">'
    shown = with_inline_images(html, {"shot@x": LINK})
    assert (
        'src="https://bucket.test/attachments/a/0/shot.png?X-Amz-Signature=abc&amp;X-Amz-Expires=60"' in shown
    )
    assert 'src="CID:other@x"' in shown and 'src="https://tracker.test/p.gif"' in shown


def test_a_link_cannot_break_out_of_its_attribute():
    shown = with_inline_images('<img src="cid:x">', {"x": 'https://b.test/"><script>alert(1)</script>'})
    assert "<script>" not in shown and "&quot;&gt;&lt;script&gt;" in shown


def test_only_the_bucket_origin_is_added_to_images_and_remote_stays_opt_in():
    assert "img-src data: https://bucket.test;" in frame_policy(False, "https://bucket.test")
    assert "img-src data: https: http:;" in frame_policy(True, "https://bucket.test")
    assert "img-src 'self' data: https://bucket.test;" in page_policy(
        False, images_from="https://bucket.test"
    )
    assert "img-src 'self' data:;" in page_policy(False)
    assert "https://bucket.test" in srcdoc('<img src="cid:x">', False, {"x": LINK}, "https://bucket.test")
