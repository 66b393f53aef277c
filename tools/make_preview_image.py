"""Draws static/img/og-park.png: the 1200x630 picture link previews show for the park's pages.

Run once after changing the park's name or the site's colours:
    pip install pillow
    python3 tools/make_preview_image.py
The PNG is committed and embedded in the binary (src/web/assets.rs); this script is how it was made.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUT = Path(__file__).resolve().parent.parent / "static" / "img" / "og-park.png"

# The site's colours (static/css/site.css, design tokens).
NAVY_DEEP = (7, 44, 68)
NAVY = (11, 61, 92)
TEAL_LIGHT = (95, 211, 198)
TEAL_PALE = (159, 227, 218)
AMBER = (255, 200, 87)
WHITE = (255, 255, 255)


def font(size):
    return ImageFont.truetype(FONT, size)


def main():
    img = Image.new("RGB", (WIDTH, HEIGHT), NAVY_DEEP)
    draw = ImageDraw.Draw(img)

    # A vertical wash from the deep navy to the brand navy.
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(NAVY_DEEP, NAVY))
        draw.line([(0, y), (WIDTH, y)], fill=colour)

    # Concentric rings on the right: the site's mark (a lens), drawn large and faint.
    cx, cy = 1040, 315
    for i, r in enumerate(range(60, 380, 45)):
        shade = tuple(round(c * 0.55 + n * 0.45) for c, n in zip(TEAL_LIGHT, NAVY))
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=shade, width=3 if i % 2 else 2)
    draw.ellipse([cx - 26, cy - 26, cx + 26, cy + 26], fill=AMBER)

    # The mark itself beside the name, as in the favicon.
    mx, my = 120, 115
    draw.rounded_rectangle([mx - 44, my - 44, mx + 44, my + 44], radius=20, fill=NAVY)
    draw.ellipse([mx - 24, my - 24, mx + 24, my + 24], outline=TEAL_LIGHT, width=8)
    draw.ellipse([mx - 9, my - 9, mx + 9, my + 9], fill=AMBER)

    draw.text((190, 115), "长春光电信息产业园", font=font(64), fill=WHITE, anchor="lm")
    draw.text((80, 250), "北方光谷", font=font(120), fill=AMBER, anchor="lm")
    draw.text((80, 360), "Northern Optics Valley", font=font(64), fill=TEAL_PALE, anchor="lm")
    draw.line([(80, 430), (420, 430)], fill=TEAL_LIGHT, width=4)
    draw.text((80, 480), "Changchun Optoelectronic Information", font=font(36), fill=WHITE, anchor="lm")
    draw.text((80, 528), "Industrial Park", font=font(36), fill=WHITE, anchor="lm")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    img.save(OUT, "PNG", optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
