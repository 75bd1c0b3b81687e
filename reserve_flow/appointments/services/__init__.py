"""Operations of appointments: vacancies and shortlists, the candidates' facts, orders."""
