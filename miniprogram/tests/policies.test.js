const {renderPage, mockApi, ok, fail, settle, text, find, all, tap, signIn} = require('./helpers')

function policy(id, overrides = {}) {
  return Object.assign({id, number: `PDAA20265101000000${id}`, line: 'commercial', line_label: '商业险',
    state: 'in_force', state_label: '保障中', plate: `川A1000${id}`, start_date: '2026-03-01',
    end_date: '2027-02-28', written_premium: '3560.50'}, overrides)
}

const page1 = ok([policy(1), policy(2, {days_left: 25})], {'X-Pagination': JSON.stringify({total: 3, page: 1, next_page: 2})})
const page2 = ok([policy(3)], {'X-Pagination': JSON.stringify({total: 3, page: 2})})

test('lists the policies in force that the API returned, and loads the next page at the bottom', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/policies': (call) => (call.query.page === '1' ? page1 : page2)})
  const page = renderPage('policies')
  await settle()

  const cards = all(page, '.policy-item')
  expect(cards).toHaveLength(2)
  expect(text(cards[0])).toContain('川A10001')
  expect(text(cards[0])).toContain('商业险 · PDAA202651010000001')
  expect(text(cards[0])).toContain('¥3,560.50')
  expect(text(cards[0])).toContain('2026-03-01 至 2027-02-28')
  expect(text(cards[0])).not.toContain('剩')
  expect(text(cards[1])).toContain('剩 25 天')
  expect(api.calls[0].query).toEqual({status: 'in_force', page: '1', page_size: '10'})

  page.instance.onReachBottom()
  await settle()
  expect(all(page, '.policy-item')).toHaveLength(3)
  expect(text(find(page, '.list-end'))).toBe('没有更多了')
  page.instance.onReachBottom() // nothing more to ask for
  await settle()
  expect(api.calls).toHaveLength(2)
})

test('the expired tab asks for expired policies and says when there are none', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/policies': (call) => (call.query.status === 'in_force' ? page1 : ok([]))})
  const page = renderPage('policies')
  await settle()

  all(find(page, '#status-tabs'), '.van-tab')[1].dispatchEvent('tap')
  await settle()

  expect(api.calls[1].query.status).toBe('expired')
  expect(all(page, '.policy-item')).toHaveLength(0)
  expect(text(find(page, '.empty'))).toContain('暂无已到期的保单')
})

test('tapping a policy opens its detail', async () => {
  signIn()
  mockApi({'GET /api/mp/policies': page1})
  const page = renderPage('policies')
  await settle()

  await tap(page, '.policy-item', '.policy-card')
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/policy-detail/index?id=1'})
})

test('a failed load shows the message and retries', async () => {
  signIn()
  let first = true
  mockApi({'GET /api/mp/policies': () => (first ? ((first = false), fail(500, '服务繁忙,请稍后重试')) : page1)})
  const page = renderPage('policies')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('服务繁忙,请稍后重试')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '服务繁忙,请稍后重试'}))

  await tap(page, '#load-error', '.retry', '.van-button')
  expect(all(page, '.policy-item')).toHaveLength(2)
})
