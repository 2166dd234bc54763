from vial import Vial


def create_app() -> Vial:
    return Vial("factory")


def create_named(name: str, *, debug: bool = False) -> Vial:
    app = Vial(name)
    app.config["MADE_WITH_DEBUG"] = debug
    return app


def not_an_app() -> str:
    return "nope"


def raises_type_error() -> Vial:
    raise TypeError("bug inside the factory")


notapp = "a string"
