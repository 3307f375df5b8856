package restcompat

import (
	"net/http"
	"net/url"
	"strconv"
)

// pageMeta is the car-owner paging block; extra fields (unread_total, org_nr, ...) are added
// by each route.
func pageMeta(page, size, total int) map[string]any {
	pages := totalPages(total, size)
	return map[string]any{"page": page, "page_size": size, "total": total, "total_pages": pages,
		"has_next": page < pages, "has_prev": page > 1}
}

func totalPages(total, size int) int {
	if size <= 0 || total == 0 {
		return 1
	}
	return (total + size - 1) / size
}

// pageLinks are root-relative links to the same route with other pages; prev and next are null
// where there is no such page.
func pageLinks(r *http.Request, page, size, total int) map[string]any {
	pages := totalPages(total, size)
	link := func(p int) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(p))
		if q.Get("size") == "" || q.Get("page_size") != "" {
			q.Set("page_size", strconv.Itoa(size))
		}
		return r.URL.Path + "?" + q.Encode()
	}
	links := map[string]any{"self": link(page), "first": link(1), "last": link(pages), "prev": nil, "next": nil}
	if page > 1 {
		links["prev"] = link(min(page-1, pages))
	}
	if page < pages {
		links["next"] = link(page + 1)
	}
	return links
}
