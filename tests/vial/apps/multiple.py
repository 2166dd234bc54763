from vial import Vial

app1 = Vial("app1")
app2 = Vial("app2")
