-- The newest price version and the hash of its content (a load with the same content is a no-op).
select price_version, content_hash
from raw.model_price_versions
order by price_version desc
limit 1
