-- wrk script: public pages in turn, both languages (the load test's readers).
local paths = {
  "/", "/en/", "/companies", "/en/companies", "/companies?sector=core-components",
  "/en/companies?sector=medical-health", "/companies/gpixel", "/en/companies/gpixel",
  "/sectors", "/phases", "/en/phases", "/awards", "/en/awards", "/about", "/en/about",
}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
