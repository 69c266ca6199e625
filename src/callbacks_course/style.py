"""A colour-blind-safe look for every figure: the Okabe–Ito palette, each colour with its own line style.

Okabe and Ito's eight colours stay distinct under protanopia, deuteranopia and tritanopia; the
yellow is left out (too pale on white). Lines drawn without an explicit colour take the next
colour *and* the next dash pattern, so two series that meet or cross still differ without colour.

Example:

```python
from callbacks_course import style
style.apply()            # done by `import callbacks_course` inside a notebook
plt.plot(loss); plt.plot(val_loss)   # blue solid, vermillion dashed
```
"""

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
PALETTE = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK)
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def apply(params=None):
    """Set matplotlib's default cycle to PALETTE paired with LINE_STYLES.

    Args:
        params: the rcParams to change; matplotlib's global ones when None.
    """
    import matplotlib
    from matplotlib import cycler

    params = matplotlib.rcParams if params is None else params
    params["axes.prop_cycle"] = cycler(color=list(PALETTE)) + cycler(linestyle=list(LINE_STYLES))
