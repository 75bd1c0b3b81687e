import pytest

# Plain `assert`s in the shared helpers report their values too, as in a test module.
pytest.register_assert_rewrite("tests.fixtures", "tests.helpers")
