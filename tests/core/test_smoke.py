def test_login_page_is_russian(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Вход в систему" in page.get_data(as_text=True)
