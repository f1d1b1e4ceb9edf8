select watermark from raw.ingestion_watermarks where source_key = %(source_key)s;
