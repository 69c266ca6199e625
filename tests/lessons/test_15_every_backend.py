import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "15_every_backend"


@pytest.fixture(scope="module")
def results(lesson):
    return lesson.value("results")


def test_each_backend_ran_in_its_own_process(lesson, results):
    assert lesson.value("keras.backend.backend()") == "tensorflow"
    assert {backend: result["backend"] for backend, result in results.items()} == {"tensorflow": "tensorflow", "jax": "jax"}


def test_the_callback_api_is_the_same_on_both(results):
    tf_run, jax_run = results["tensorflow"], results["jax"]
    assert tf_run["hooks"] == jax_run["hooks"] and len(tf_run["hooks"]) == 10
    assert tf_run["log_keys"] == jax_run["log_keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert tf_run["learning_rates"] == jax_run["learning_rates"] == pytest.approx([1e-3, 2e-3])


def test_batch_end_hooks_run_on_a_thread_pool_only_on_jax_and_only_if_all_are_async_safe(results):
    for backend, result in results.items():
        threads = result["batch_end_threads"]
        assert {style: len(names) for style, names in threads.items()} == {
            "async_safe": 32, "plain": 32, "async_safe_next_to_plain": 32}  # 1,024 digits, batches of 32
        assert set(threads["plain"]) == set(threads["async_safe_next_to_plain"]) == {"MainThread"}
    assert set(results["tensorflow"]["batch_end_threads"]["async_safe"]) == {"MainThread"}
    assert all(name.startswith("ThreadPoolExecutor") for name in results["jax"]["batch_end_threads"]["async_safe"])


def test_reading_self_model_costs_a_state_copy_on_jax(results):
    assert results["jax"]["self_model_us"] > 5 * results["tensorflow"]["self_model_us"]
    assert results["jax"]["state_variables"] == 18


def test_the_first_batch_is_slow_on_both_xla_only_on_jax(results):
    for result in results.values():
        assert result["first_batch_ms"] > 20 * result["later_batch_ms"]
    assert results["jax"]["jit_compile"] is True and results["tensorflow"]["jit_compile"] is False


def test_figure_widgets_and_no_stderr(lesson):
    assert len(lesson.outputs(mime="image/png")) == 1
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 1
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "identical on both: True" in printed and "of the time of a batch here" in printed
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_notebook_says_both_runs_use_the_bundled_subset(lesson):
    """Offline, the TensorFlow run (in the kernel) prints the data loader's notice, and so does the JAX
    process: `run_on` passes its line through."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    notice = f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)."
    assert f"jax process: {notice}" in stdout
    assert stdout.count(notice) == 2
