from vial import Vial

application = Vial("application_var")
