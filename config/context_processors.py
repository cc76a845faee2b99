from storefront.selectors import store_name


def store(request):
    return {"STORE_NAME": store_name()}
