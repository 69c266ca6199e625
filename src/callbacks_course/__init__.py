"""Shared code for the *Keras Callbacks, hands-on* course: data, models, recording, plots."""
