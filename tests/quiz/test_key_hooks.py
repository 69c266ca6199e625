"""Answer-key experiments on when Keras calls each hook: questions 1, 2, 9, 13, 14 and 16."""

import keras
from callbacks_course.recorder import EventRecorder
from quiz_experiments import EPOCHS, STEPS, assert_key, fit, tiny_model


def hooks(events):
    return [event.hook for event in events]


def training_part(events):
    """The events of fit's training steps, without its validation passes (test hooks)."""
    return [e for e in events if not e.hook.startswith("on_test")]


def epoch_boundaries(events):
    """For each epoch: the hook just before its first training batch and the hook just after its last."""
    names = hooks(training_part(events))
    starts = [names[i - 1] for i, name in enumerate(names) if name == "on_train_batch_begin"][::STEPS]
    ends = [names[i + 1] for i, name in enumerate(names) if name == "on_train_batch_end"][STEPS - 1::STEPS]
    return starts, ends


def called_once_per_epoch(events, hook):
    return [e.index for e in events if e.hook == hook] == list(range(EPOCHS))


def test_q01_A_on_epoch_begin_starts_each_epoch(fit_events):
    starts, _ = epoch_boundaries(fit_events)
    assert_key("q01", "A", called_once_per_epoch(fit_events, "on_epoch_begin")
               and starts == ["on_epoch_begin"] * EPOCHS)


def test_q01_B_on_epoch_end_ends_each_epoch(fit_events):
    names = hooks(fit_events)
    last_batches = [i for i, name in enumerate(names) if name == "on_train_batch_end"][STEPS - 1::STEPS]
    ends = [names.index("on_epoch_end", i) for i in last_batches]
    no_batch_between = all("on_train_batch_begin" not in names[i:j] for i, j in zip(last_batches, ends))
    assert_key("q01", "B", called_once_per_epoch(fit_events, "on_epoch_end") and no_batch_between)


def test_q01_C_on_train_batch_begin_runs_per_batch(fit_events):
    assert hooks(fit_events).count("on_train_batch_begin") == EPOCHS * STEPS
    assert_key("q01", "C", called_once_per_epoch(fit_events, "on_train_batch_begin"))


def test_q01_D_on_train_batch_end_runs_per_batch(fit_events):
    assert hooks(fit_events).count("on_train_batch_end") == EPOCHS * STEPS
    assert_key("q01", "D", called_once_per_epoch(fit_events, "on_train_batch_end"))


def brackets_every_batch(events, hook):
    """True when `hook` runs once per training batch, begin and end hooks alternating."""
    names = [name for name in hooks(events) if name in ("on_train_batch_begin", "on_train_batch_end")]
    return (hooks(events).count(hook) == EPOCHS * STEPS
            and names == ["on_train_batch_begin", "on_train_batch_end"] * (EPOCHS * STEPS))


def test_q02_A_on_train_batch_begin_before_each_batch(fit_events):
    first = next(e for e in fit_events if e.hook == "on_train_batch_begin")
    assert first.logs == {}, "before the batch there are no results yet"
    assert_key("q02", "A", brackets_every_batch(fit_events, "on_train_batch_begin"))


def test_q02_B_on_train_batch_end_after_each_batch(fit_events):
    after = [e for e in fit_events if e.hook == "on_train_batch_end"]
    processed = all("loss" in e.logs for e in after)
    assert_key("q02", "B", processed and brackets_every_batch(fit_events, "on_train_batch_end"))


def test_q02_C_on_epoch_begin_runs_once_per_epoch(fit_events):
    assert_key("q02", "C", hooks(fit_events).count("on_epoch_begin") == EPOCHS * STEPS)


def test_q02_D_on_predict_batch_end_is_not_called_by_fit(fit_events):
    assert_key("q02", "D", hooks(fit_events).count("on_predict_batch_end") == EPOCHS * STEPS)


def test_q09_A_on_train_begin_and_end_bracket_training(fit_events):
    names = hooks(fit_events)
    assert_key("q09", "A", names[0] == "on_train_begin" and names[-1] == "on_train_end"
               and names.count("on_train_begin") == names.count("on_train_end") == 1)


def first_and_last(names, begin, end):
    return names[0] == begin and names[-1] == end and names.count(begin) == names.count(end) == 1


def test_q09_B_epoch_hooks_run_every_epoch(fit_events):
    names = hooks(fit_events)
    assert names.count("on_epoch_begin") == EPOCHS
    assert_key("q09", "B", first_and_last(names, "on_epoch_begin", "on_epoch_end"))


def test_q09_C_batch_hooks_run_every_batch(fit_events):
    assert_key("q09", "C", first_and_last(hooks(fit_events), "on_train_batch_begin", "on_train_batch_end"))


def test_q09_D_test_hooks_bracket_validation_not_training(fit_events):
    names = hooks(fit_events)
    assert names.count("on_test_begin") == EPOCHS, "fit's validation pass at each epoch's end"
    assert_key("q09", "D", first_and_last(names, "on_test_begin", "on_test_end"))


def called_in_evaluate_not_in_training(hook, evaluate_events):
    """Called by `evaluate`, and not by a `fit` without validation data (its training batches)."""
    recorder = EventRecorder()
    fit(tiny_model(), epochs=1, callbacks=[recorder], validation=False)
    return hook in hooks(evaluate_events) and hook not in recorder.hooks_called()


def test_q13_A_on_test_begin_is_an_evaluation_hook(evaluate_events, fit_events):
    assert "on_test_begin" in hooks(fit_events), "the note: fit's validation pass is an evaluation"
    assert_key("q13", "A", called_in_evaluate_not_in_training("on_test_begin", evaluate_events))


def test_q13_B_on_train_batch_end_is_a_training_hook(evaluate_events):
    assert_key("q13", "B", called_in_evaluate_not_in_training("on_train_batch_end", evaluate_events))


def test_q13_C_on_test_batch_end_is_an_evaluation_hook(evaluate_events):
    assert hooks(evaluate_events).count("on_test_batch_end") == 1
    assert_key("q13", "C", called_in_evaluate_not_in_training("on_test_batch_end", evaluate_events))


def test_q13_D_on_predict_end_is_not_called_by_evaluate(evaluate_events):
    assert_key("q13", "D", called_in_evaluate_not_in_training("on_predict_end", evaluate_events))


def test_q14_A_batch_end_per_batch_epoch_end_per_epoch(fit_events):
    names = hooks(fit_events)
    assert_key("q14", "A", names.count("on_train_batch_end") == EPOCHS * STEPS
               and names.count("on_epoch_end") == EPOCHS)


def test_q14_B_batch_end_is_not_once_per_epoch(fit_events):
    assert_key("q14", "B", hooks(fit_events).count("on_train_batch_end") == EPOCHS)


def test_q14_C_epoch_end_comes_after_training_starts(fit_events):
    names = hooks(fit_events)
    assert_key("q14", "C", names.index("on_epoch_end") < names.index("on_train_begin"))


def test_q14_D_batch_end_is_a_training_hook(evaluate_events, fit_events):
    in_fit = "on_train_batch_end" in hooks(fit_events)
    assert_key("q14", "D", not in_fit and "on_train_batch_end" in hooks(evaluate_events))


def has_both_losses(events, hook):
    logs = [e.logs for e in events if e.hook == hook]
    return bool(logs) and all({"loss", "val_loss"} <= set(entry) for entry in logs)


def test_q16_A_epoch_end_sees_loss_and_val_loss(fit_events):
    class RatioStop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["val_loss"] / logs["loss"] > 0:  # any ratio exceeds 0: stop after the first epoch
                self.model.stop_training = True

    history = fit(tiny_model(), epochs=3, callbacks=[RatioStop()])
    assert_key("q16", "A", has_both_losses(fit_events, "on_epoch_end") and history.epoch == [0])


def test_q16_B_batch_end_has_no_val_loss(fit_events):
    assert_key("q16", "B", has_both_losses(fit_events, "on_train_batch_end"))


def test_q16_C_train_begin_has_no_losses(fit_events):
    assert_key("q16", "C", has_both_losses(fit_events, "on_train_begin"))


def test_q16_D_predict_end_is_not_called_by_fit(fit_events):
    assert_key("q16", "D", has_both_losses(fit_events, "on_predict_end"))
