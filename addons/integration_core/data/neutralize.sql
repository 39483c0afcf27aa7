-- A neutralized copy (restored from production into test, say) must not
-- exchange data with real systems: every endpoint is archived and held.
UPDATE integration_endpoint SET active = false, hold = true;
