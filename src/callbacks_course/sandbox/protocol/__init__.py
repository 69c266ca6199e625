"""What crosses the boundary, and how it is read: `wire` messages, bounded JSON (see `callbacks_course.sandbox`)."""
