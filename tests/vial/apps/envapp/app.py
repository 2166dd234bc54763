import os

from vial import Vial

app = Vial("envapp")
app.config["FROM_ENV"] = os.environ.get("VIAL_TEST_FROM_ENV")
