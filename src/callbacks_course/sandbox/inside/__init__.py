"""What runs inside the jail: the zygote and the student's side of an item (see `callbacks_course.sandbox`)."""
