"""``ClientLender``: a client per thread calling, kept for the next, never shared."""

from __future__ import annotations

import threading

import httpx

from fanloop.platforms.http import ClientLender, delivery_clients


def test_threads_calling_at_once_get_clients_of_their_own_and_the_next_reuses_them() -> None:
    made: list[httpx.Client] = []

    def make() -> httpx.Client:
        made.append(httpx.Client())
        return made[-1]

    lender = ClientLender(make)
    inside = threading.Barrier(3)
    lent: list[int] = []
    lock = threading.Lock()

    def borrow() -> None:
        with lender.lend() as client:
            with lock:
                lent.append(id(client))
            inside.wait(timeout=10)  # all three hold a client at once

    threads = [threading.Thread(target=borrow) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(lent)) == 3 and len(made) == 3
    with lender.lend() as again:  # given back: kept, not made anew
        assert again in made
    assert len(made) == 3
    lender.close()
    assert all(client.is_closed for client in made)


def test_a_closed_client_is_not_lent_again() -> None:
    lender = ClientLender(httpx.Client)
    with lender.lend() as first:
        first.close()
    with lender.lend() as second:
        assert second is not first and not second.is_closed
    lender.close()


def test_delivery_clients_are_one_lender_per_timeout_with_that_timeout() -> None:
    lender = delivery_clients(2.5)
    assert delivery_clients(2.5) is lender and delivery_clients(4.0) is not lender
    with lender.lend() as client:
        assert client.timeout.read == 2.5 and client.timeout.connect == 2.5
