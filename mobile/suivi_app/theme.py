"""Colours and sizes: high contrast (WCAG AAA for text), large type for tired, older eyes."""

INK = (0.067, 0.067, 0.067, 1)  # #111: text on paper
MUTED = (0.23, 0.23, 0.23, 1)  # #3a3a3a: help text, still 10:1 on white
PAPER = (1, 1, 1, 1)
PRIMARY = (0.043, 0.24, 0.57, 1)  # #0b3d91: buttons, 9.6:1 with white
PRIMARY_LIGHT = (0.91, 0.94, 1, 1)  # unselected answers
DONE = (0.0, 0.40, 0.15, 1)  # #006626
MISSED = (0.56, 0.25, 0.0, 1)  # #8f4000
EMERGENCY = (0.70, 0.0, 0.08, 1)  # #b30014
WAITING = (1.0, 0.82, 0.25, 1)  # amber banner, black text
HINT = (0.35, 0.35, 0.35, 1)  # #595959: an entry's example text, 7:1 on white
CARD = (0.94, 0.95, 0.96, 1)

TITLE = "28sp"
BODY = "22sp"
BUTTON = "24sp"
SMALL = "19sp"
# A task's tile puts its state beside its title when a line this wide fits (in sp, so
# larger text stacks them), else under it: "postopératoire" is never cut in two.
TILE_SIDE_BY_SIDE = 380
# A 0-10 key needs this much width (sp: it grows with the text); the scale takes the
# most columns of 6, 4 or 3 that fit (two, three or four rows).
SCALE_KEY = 52

CHECK = "[font=DejaVuSans]✓[/font]"  # Roboto has no check mark; Kivy ships DejaVu Sans


def pressed(colour):
    """A darker shade while a button is held down."""
    return tuple(c * 0.75 for c in colour[:3]) + (1,)
