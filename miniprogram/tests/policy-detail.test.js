const {renderPage, mockApi, fail, settle, text, find, all, tap, signIn} = require('./helpers')

const DETAIL = {id: 9, number: 'PDAA202651010000009', line: 'commercial', line_label: '商业险', state: 'in_force',
  state_label: '保障中', plate: '川A88888', start_date: '2026-01-10', end_date: '2027-01-09',
  written_premium: '4200.00', vehicle: {plate: '川A88888', brand: '比亚迪', model: '汉 EV'}, agent_name: '王经理', issued_on: '2026-01-07', claims_count: 1, renewal_quote_requested: false,
  coverages: [
    {coverage: 'own_damage', label: '车损险', sum_insured: '210000.00', premium: '2600.00'},
    {coverage: 'third_party', label: '第三者责任险', sum_insured: '2000000.00', premium: '1600.00'},
  ]}

test('shows the policy, its vehicle and coverages as the API returned them', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/policies/9': DETAIL})
  const page = renderPage('policy-detail', {id: '9'})
  await settle()

  expect(text(find(page, '.summary'))).toContain('川A88888')
  expect(text(find(page, '.summary'))).toContain('¥4,200.00')
  expect(text(find(page, '.info'))).toContain('PDAA202651010000009')
  expect(text(find(page, '.info'))).toContain('比亚迪 汉 EV')
  expect(text(find(page, '.info'))).toContain('本保单出险1 次')
  const coverages = all(page, '.coverage')
  expect(coverages).toHaveLength(2)
  expect(text(coverages[1])).toContain('第三者责任险')
  expect(text(coverages[1])).toContain('保额 ¥2,000,000.00')
  expect(api.unmatched).toEqual([])
})

test('requesting a renewal quote posts once and says so', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/policies/9': DETAIL,
    'POST /api/mp/policies/9/renewal-quote-requests': {id: 1, status: 'open', created: true}})
  const page = renderPage('policy-detail', {id: '9'})
  await settle()

  await tap(page, '#renewal-quote', '.van-button')

  expect(api.find('POST', '/api/mp/policies/9/renewal-quote-requests')).toHaveLength(1)
  expect(text(find(page, '.requested'))).toBe('已提交续保报价申请,客户经理将尽快与您联系')
  expect(page.querySelector('#renewal-quote')).toBeFalsy()
})

test('a refused quote request shows the API message and keeps the button', async () => {
  signIn()
  mockApi({'GET /api/mp/policies/9': DETAIL,
    'POST /api/mp/policies/9/renewal-quote-requests': fail(409, '您已提交过续保报价申请,请耐心等待', 'already_requested')})
  const page = renderPage('policy-detail', {id: '9'})
  await settle()

  await tap(page, '#renewal-quote', '.van-button')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '您已提交过续保报价申请,请耐心等待'}))
  expect(page.querySelector('#renewal-quote')).toBeTruthy()
})

test('a policy already asked about says so instead of offering the button', async () => {
  signIn()
  mockApi({'GET /api/mp/policies/9': Object.assign({}, DETAIL, {renewal_quote_requested: true})})
  const page = renderPage('policy-detail', {id: '9'})
  await settle()
  expect(text(find(page, '.requested'))).toContain('已提交续保报价申请')
  expect(page.querySelector('#renewal-quote')).toBeFalsy()
})

test("another customer's policy (404) shows the API message", async () => {
  signIn()
  mockApi({'GET /api/mp/policies/10': fail(404, '保单不存在', 'not_found')})
  const page = renderPage('policy-detail', {id: '10'})
  await settle()
  expect(text(find(page, '#load-error'))).toContain('保单不存在')
  expect(page.querySelector('.summary')).toBeFalsy()
})
