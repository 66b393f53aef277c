-- wrk script: a search on every request, never the same query twice in a row. Search results are never kept
-- by the response cache, so every request is a search. Terms mix 1-4 character Chinese, pinyin, initials, brand
-- and product names; every other request pairs two of them (both must match).
-- No extra parameter makes the URLs differ: the portal answers an unknown parameter with a redirect to the
-- clean URL, which would measure the redirect instead of the search.
local terms = {
  "%E9%95%BF%E5%85%89",       -- 长光
  "%E8%BE%B0%E8%8A%AF",       -- 辰芯
  "changguang", "cgcx", "Gpixel", "GMAX4002", "gmax", "yuanchen",
  "%E5%85%89%E7%94%B5",       -- 光电
  "%E4%BC%A0%E6%84%9F",       -- 传感
  "%E8%BE%B0%E8%8B%B1",       -- 辰英
  "%E5%A4%A7%E5%99%A8",       -- 大器
  "%E6%BF%80%E5%85%89%E5%99%A8",  -- 激光器
  "%E7%94%9F%E7%89%A9%E7%A7%91%E5%AD%A6",  -- 生物科学
  "biomedical", "sensor", "GS12", "LX20", "huada", "cyyq",
}
local counter = 0
request = function()
  counter = counter + 1
  local n = #terms
  local first = terms[(counter % n) + 1]
  local q = first
  if counter % 2 == 0 then
    q = first .. "+" .. terms[(math.floor(counter / n) % n) + 1]
  end
  return wrk.format("GET", "/en/companies?q=" .. q)
end
