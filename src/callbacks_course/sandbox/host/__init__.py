"""The trusted side of the sandbox: workers, their jail, its cgroups and bounds (see `callbacks_course.sandbox`)."""
