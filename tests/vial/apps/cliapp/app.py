from vial import Vial

testapp = Vial("cliapp.app")


@testapp.get("/")
def index() -> str:
    return "cliapp"


@testapp.get("/users/<int:user_id>")
def user(user_id: int) -> str:
    return str(user_id)


@testapp.post("/users")
def create_user() -> str:
    return ""
