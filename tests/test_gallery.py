import numpy as np
import pytest
from PIL import Image, ImageSequence

from callbacks_course.alt_text import describe_animation, picture_text
from callbacks_course.gallery import RIGHT, WRONG, draw_gallery, write_gif
from callbacks_course.mnist import load_mnist


@pytest.fixture(scope="module")
def digits():
    _, (x_test, y_test) = load_mnist(n_train=10, n_test=10)
    return x_test, y_test


def test_gallery_is_an_rgb_image_with_blue_and_vermillion_titles(digits):
    x, y = digits
    predicted = y.copy()
    predicted[:3] = (y[:3] + 1) % 10  # three wrong
    frame = draw_gallery(x, predicted, y, title="epoch 0")
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    pixels = frame.reshape(-1, 3).astype(int)
    colours = {name: np.array([int(name[i:i + 2], 16) for i in (1, 3, 5)]) for name in (RIGHT, WRONG)}
    assert (RIGHT, WRONG) == ("#0072B2", "#D55E00")  # Okabe-Ito blue and vermillion: safe for red-green blindness
    for rgb in colours.values():
        assert (np.abs(pixels - rgb).sum(axis=1) < 30).sum() > 20
    wrong = ", ".join(f"{p} (true {t})" for p, t in zip(predicted[:3], y[:3]))
    assert picture_text(frame) == (f"epoch 0: 10 digits, 7 of 10 predicted right; predicted: {wrong}, "
                                   + ", ".join(str(t) for t in y[3:]))


def test_all_right_means_no_red(digits):
    x, y = digits
    pixels = draw_gallery(x, y, y).reshape(-1, 3).astype(int)
    assert (np.abs(pixels - [0xD5, 0x5E, 0x00]).sum(axis=1) < 30).sum() == 0


def test_mismatched_lengths_are_refused(digits):
    x, y = digits
    with pytest.raises(ValueError, match="10 true labels"):
        draw_gallery(x, y[:4], y)


def test_gif_has_one_frame_per_array_and_loops(digits, tmp_path):
    x, y = digits
    frames = [draw_gallery(x, (y + shift) % 10, y, title=f"epoch {shift}") for shift in range(3)]
    path = write_gif(frames, tmp_path / "sub" / "progress.gif", seconds_per_frame=0.5)
    with Image.open(path) as gif:
        assert gif.n_frames == 3
        assert gif.info["loop"] == 0 and gif.info["duration"] == 500
        first = np.asarray(next(ImageSequence.Iterator(gif)).convert("RGB"))
    assert first.shape == frames[0].shape
    text = describe_animation(path.read_bytes())
    assert text.startswith(f"An animation of 3 frames, {first.shape[1]} by {first.shape[0]} pixels, 1.5 seconds")
    assert "frame 1: epoch 0: 10 digits, 10 of 10 predicted right" in text
    assert "frame 3: epoch 2: 10 digits, 0 of 10 predicted right" in text


def test_gif_refuses_no_frames_or_mixed_shapes(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        write_gif([], tmp_path / "a.gif")
    with pytest.raises(ValueError, match="one shape"):
        write_gif([np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4, 3), np.uint8)], tmp_path / "b.gif")
    assert not (tmp_path / "a.gif").exists() and not (tmp_path / "b.gif").exists()
