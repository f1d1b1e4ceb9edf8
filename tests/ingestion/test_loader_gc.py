"""The loader's GC settings during a load: garbage in reference cycles (the HTTP client leaves each
page's response in one, body included) is freed every few pages, not left to grow, and the
process's GC settings are restored afterwards."""

from __future__ import annotations

import gc
import weakref

from ingestion.loader import _FULL_GC_EVERY_PAGES, _bulk_allocation_gc


class _Body:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_cyclic_garbage_is_freed_every_few_pages_and_settings_are_restored():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    with _bulk_allocation_gc() as after_page:
        assert gc.get_threshold()[0] > threshold[0]
        body = _Body()
        alive = weakref.ref(body)
        del body
        for _ in range(_FULL_GC_EVERY_PAGES - 1):
            after_page()
        # gen0 would not have run yet at the raised threshold for this little allocation
        assert alive() is not None
        after_page()
        assert alive() is None
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
