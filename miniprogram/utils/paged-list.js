// A paginated list on a page: data[key] = {items, total, hasMore, loading, loaded, error}; reload()
// starts again from page 1 (a stale answer from before is dropped), more() appends the next page.
const api = require('./api')

function emptyList() {
  return {items: [], total: null, hasMore: true, loading: false, loaded: false, error: ''}
}

function createPagedList(ctx, options) {
  const key = options.key || 'list'
  const pageSize = options.pageSize || 10
  const params = options.params || (() => ({}))
  const map = options.map || ((item) => item)
  let current = 0
  let generation = 0
  let busy = false

  function fetch(reset) {
    if (!reset && (busy || !ctx.data[key].hasMore)) return Promise.resolve()
    const mine = reset ? ++generation : generation
    const next = reset ? 1 : current + 1
    busy = true
    ctx.setData({[`${key}.loading`]: true, [`${key}.error`]: ''})
    return api.getPage(options.path, Object.assign({page: next, page_size: pageSize}, params()))
      .then(({items, hasMore, pagination}) => {
        if (mine !== generation) return
        current = next
        const mapped = items.map(map)
        ctx.setData({
          [key]: {
            items: reset ? mapped : ctx.data[key].items.concat(mapped),
            total: pagination.total === undefined ? null : pagination.total,
            hasMore,
            loading: false,
            loaded: true,
            error: '',
          },
        })
      })
      .catch((err) => {
        if (mine === generation) ctx.setData({[`${key}.loading`]: false, [`${key}.error`]: err.message})
      })
      .then(() => {
        if (mine === generation) busy = false
      })
  }

  return {reload: () => fetch(true), more: () => fetch(false)}
}

// The page handlers every list page has, for the list kept on the page as this[name].
function listHandlers(name) {
  return {
    onPullDownRefresh() {
      this[name].reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this[name].more()
    },
    onRetry() {
      this[name].reload()
    },
  }
}

module.exports = {createPagedList, emptyList, listHandlers}
