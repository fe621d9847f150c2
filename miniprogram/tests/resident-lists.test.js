const {renderPage, mockApi, ok, fail, settle, text, find, all, signIn} = require('./helpers')

describe('resident policies', () => {
  test('lists the dealer policies with masked names and the total', async () => {
    signIn('resident_manager')
    mockApi({'GET /api/mp/resident/policies': ok([
      {id: 1, number: 'PC0000000001', line: 'commercial', line_label: '商业险', state: 'in_force', state_label: '保障中',
        start_date: '2026-11-01', end_date: '2027-10-31', written_premium: '4200.00', plate: '川A***45', customer_name: '张*'},
    ], {'X-Pagination': '{"total": 37, "page": 1, "next_page": 2}'})})
    const page = renderPage('resident-policies')
    await settle()

    expect(text(find(page, '.total'))).toBe('共 37 张保单(客户信息已脱敏)')
    const item = all(page, '.policy-item')[0]
    expect(text(item)).toContain('川A***45')
    expect(text(item)).toContain('投保人 张*')
  })

  test('a failure shows the message', async () => {
    signIn('resident_manager')
    mockApi({'GET /api/mp/resident/policies': fail(500, '服务繁忙,请稍后重试')})
    const page = renderPage('resident-policies')
    await settle()
    expect(text(find(page, '#load-error'))).toContain('服务繁忙,请稍后重试')
  })
})

describe('resident referrals', () => {
  test('lists repair referrals with reserve and paid amounts', async () => {
    signIn('resident_manager')
    mockApi({'GET /api/mp/resident/referrals': ok([
      {id: 8, number: 'C2026000008', status: 'closed', status_label: '已结案', first_reserve: '12000.00', paid: '11500.00',
        plate: '川A***12', vehicle_name: '大众 迈腾', customer_name: '李*', reported_at: '2026-11-02T01:00:00+00:00'},
      {id: 9, number: 'C2026000009', status: 'registered', status_label: '已立案', first_reserve: '3000.00', paid: '0.00',
        plate: '川A***77', vehicle_name: null, customer_name: '王*', reported_at: '2026-11-20T01:00:00+00:00'},
    ], {'X-Pagination': '{"total": 2, "page": 1}'})})
    const page = renderPage('resident-referrals')
    await settle()

    const items = all(page, '.referral')
    expect(items).toHaveLength(2)
    expect(text(items[0])).toContain('估损 ¥12,000.00')
    expect(text(items[0])).toContain('赔付 ¥11,500.00')
    expect(text(items[0])).toContain('李* · 赔案 C2026000008')
    expect(text(items[1])).not.toContain('赔付')
    expect(text(find(page, '.list-end'))).toBe('没有更多了')
  })

  test('none says so', async () => {
    signIn('resident_manager')
    mockApi({'GET /api/mp/resident/referrals': ok([], {'X-Pagination': '{"total": 0}'})})
    const page = renderPage('resident-referrals')
    await settle()
    expect(text(find(page, '.empty'))).toContain('暂无送修赔案')
  })
})
