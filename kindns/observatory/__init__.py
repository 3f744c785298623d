"""The observatory: measurement campaigns of a whole namespace (a ccTLD's delegations) on the worker fleet,
and the public indicators they give, per namespace, country and month."""
