const {renderPage, mockApi, fail, settle, text, find, all, signIn} = require('./helpers')

const OVERVIEW = {
  dealer: {id: 3, name: '成都一汽大众4S店', brand: '大众'},
  as_of: '2026-11-25',
  month: {from: '2026-11-01', to: '2026-11-25', plan: '500000.00', written: '412500.00', policies: 96, completion: '0.8250',
    lines: [
      {line: 'ctpl', line_label: '交强险', plan: '100000.00', written: '90000.00', policies: 50, completion: '0.9000'},
      {line: 'commercial', line_label: '商业险', plan: '400000.00', written: '322500.00', policies: 46, completion: '0.8063'},
    ]},
  year: {from: '2026-01-01', to: '2026-11-25', plan: '0.00', written: '3600000.00', policies: 900, completion: null, lines: []},
  referrals_this_month: {count: 7, first_reserve: '86300.00'},
}

test('the overview shows plan progress by line for the month and the year, and the referrals', async () => {
  signIn('resident_manager')
  mockApi({'GET /api/mp/resident/overview': OVERVIEW})
  const page = renderPage('resident')
  await settle()

  expect(text(find(page, '.hero'))).toContain('成都一汽大众4S店')
  // Only components can be queried inside, so the plain views are taken from the page, in order.
  expect(all(page, '.completion').map(text)).toEqual(['82.5%', '未下达计划'])
  expect(text(find(page, '.period-month'))).toContain('签单 ¥412,500.00 / 计划 ¥500,000.00')
  const lines = all(page, '.line').map(text)
  expect(lines).toHaveLength(2)
  expect(lines[1]).toContain('商业险')
  expect(lines[1]).toContain('80.6%')
  expect(text(find(page, '.referrals-summary'))).toContain('7 件')
  expect(text(find(page, '.referrals-summary'))).toContain('¥86,300.00')
})

test('a customer token (403) shows the API message', async () => {
  signIn()
  mockApi({'GET /api/mp/resident/overview': fail(403, '无权访问', 'forbidden')})
  const page = renderPage('resident')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('无权访问')
})
