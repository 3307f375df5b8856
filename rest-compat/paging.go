package restcompat

import (
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/parley/parley/resolvers"
)

// maxPage is the last page of the largest page size the resolvers' offset allows; the same on
// every route.
const maxPage = resolvers.MaxOffset / resolvers.MaxPageSize

// pageReq is a numbered page a client asked for. A page size above the maximum is served as
// the maximum (older clients ask for 200), and clamped says so.
type pageReq struct {
	page, size int
	clamped    bool
}

func (p pageReq) offset() *int { return ptr((p.page - 1) * p.size) }

// pageParams reads page and the page size under sizeNames (the first present counts).
func pageParams(r *http.Request, defSize int, sizeNames ...string) (pageReq, error) {
	page, err := intParam(r, 1, 1, maxPage, "page")
	if err != nil {
		return pageReq{}, err
	}
	size, err := intParam(r, defSize, 1, math.MaxInt, sizeNames...)
	if err != nil {
		return pageReq{}, err
	}
	return pageReq{page: page, size: min(size, resolvers.MaxPageSize), clamped: size > resolvers.MaxPageSize}, nil
}

// pageMeta is the car-owner paging block; extra fields (unread_total, org_nr, ...) are added
// by each route. page_size_clamped is true when a larger page size was asked for.
func pageMeta(p pageReq, total int) map[string]any {
	pages := totalPages(total, p.size)
	return map[string]any{"page": p.page, "page_size": p.size, "total": total, "total_pages": pages,
		"has_next": p.page < pages, "has_prev": p.page > 1, "page_size_clamped": p.clamped}
}

func totalPages(total, size int) int {
	if size <= 0 || total == 0 {
		return 1
	}
	return (total + size - 1) / size
}

// pageLinks are root-relative links to the same route with other pages; prev and next are null
// where there is no such page.
func pageLinks(r *http.Request, p pageReq, total int) map[string]any {
	page, size := p.page, p.size
	pages := totalPages(total, size)
	link := func(p int) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(p))
		if q.Get("size") != "" && q.Get("page_size") == "" {
			q.Set("size", strconv.Itoa(size))
		} else {
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

// mkPagination is the marketplace and back-office paging block, {page, limit, total};
// limit_clamped is true when a larger limit was asked for.
func mkPagination(p pageReq, total int) map[string]any {
	return map[string]any{"page": p.page, "limit": p.size, "total": total, "limit_clamped": p.clamped}
}
