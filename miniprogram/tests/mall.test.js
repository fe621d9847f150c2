const {renderPage, mockApi, ok, fail, settle, text, find, all, tap, stubWx, signIn} = require('./helpers')

const WASH = {id: 11, name: '精致洗车(轿车)', category: 'car_wash', category_label: '洗车', price_points: 300,
  stock: 5, in_stock: true, image_url: null, limit_quantity: 2, limit_period: 'month', limit_period_label: '每月',
  voucher_valid_days: 30, cancellable: true, partner_name: '蓝天汽车美容', face_value: '45.00', description: '含内饰清洁'}
const DRIVER = {id: 12, name: '代驾券(20公里)', category: 'designated_driver', category_label: '代驾', price_points: 800,
  stock: 0, in_stock: false, image_url: null}

describe('mall', () => {
  test('lists the catalogue with prices and stock; a category tab asks for that category', async () => {
    signIn()
    const api = mockApi({
      'GET /api/mp/points': {balance: 1000, expiring: {}},
      'GET /api/mp/mall/items': (call) => ok(call.query.category === 'designated_driver' ? [DRIVER] : [WASH, DRIVER]),
    })
    const page = renderPage('mall')
    await settle()

    expect(text(find(page, '.balance'))).toBe('1000')
    const items = all(page, '.item')
    expect(items).toHaveLength(2)
    expect(text(items[0])).toContain('精致洗车(轿车)')
    expect(text(items[0])).toContain('300 积分')
    expect(text(items[0])).toContain('仅剩 5')
    expect(text(items[1])).toContain('已兑完')

    all(find(page, '#category-tabs'), '.van-tab')[2].dispatchEvent('tap')
    await settle()
    expect(api.find('GET', '/api/mp/mall/items').pop().query).toMatchObject({category: 'designated_driver'})
    expect(all(page, '.item')).toHaveLength(1)

    all(page, '.item')[0].dispatchEvent('tap')
    await settle()
    expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/mall-item/index?id=12'})
  })

  test('a failed catalogue shows the message', async () => {
    signIn()
    mockApi({'GET /api/mp/points': {balance: 0}, 'GET /api/mp/mall/items': fail(503, '商城维护中')})
    const page = renderPage('mall')
    await settle()
    expect(text(find(page, '#load-error'))).toContain('商城维护中')
  })
})

describe('mall item', () => {
  function backend(redeem) {
    return mockApi({
      'GET /api/mp/mall/items/11': WASH,
      'GET /api/mp/points': {balance: 1000, expiring: {}},
      'POST /api/mp/mall/items/11/redeem': redeem,
    })
  }

  test('shows the item and its rules; confirming the redemption posts quantity and a request id', async () => {
    signIn()
    const api = backend(ok({id: 501, item_name: '精致洗车(轿车)', status: 'issued'}))
    stubWx('showModal', {confirm: true})
    const page = renderPage('mall-item', {id: '11'})
    await settle()

    expect(text(find(page, '.head'))).toContain('价值 ¥45.00')
    expect(text(find(page, '.rules'))).toContain('每月限 2 份')
    expect(text(find(page, '.rules'))).toContain('蓝天汽车美容')
    find(find(page, '#quantity'), '.van-stepper__plus').dispatchEvent('tap')
    await settle()
    expect(text(find(page, '.total'))).toBe('共 600 积分')

    await tap(page, '#redeem', '.van-button')
    await settle()

    expect(wx.showModal.mock.calls[0][0].content).toBe('使用 600 积分兑换「精致洗车(轿车)」×2?')
    const sent = api.find('POST', '/api/mp/mall/items/11/redeem')
    expect(sent).toHaveLength(1)
    expect(sent[0].data.quantity).toBe(2)
    expect(sent[0].data.request_id).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
    expect(wx.redirectTo).toHaveBeenCalledWith({url: '/pages/voucher-detail/index?id=501'})
  })

  test('cancelling the confirmation spends nothing', async () => {
    signIn()
    const api = backend(ok({id: 1}))
    stubWx('showModal', {confirm: false})
    const page = renderPage('mall-item', {id: '11'})
    await settle()
    await tap(page, '#redeem', '.van-button')
    await settle()
    expect(api.find('POST', '/api/mp/mall/items/11/redeem')).toHaveLength(0)
  })

  test('a refused redemption shows the API message and stays on the item', async () => {
    signIn()
    backend(fail(409, '本月兑换次数已达上限', 'limit_reached'))
    stubWx('showModal', {confirm: true})
    const page = renderPage('mall-item', {id: '11'})
    await settle()
    await tap(page, '#redeem', '.van-button')
    await settle()
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '本月兑换次数已达上限'}))
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })

  test('a retry after a lost answer reuses the request id, so it cannot spend twice', async () => {
    signIn()
    const api = backend(ok({id: 502}))
    stubWx('showModal', {confirm: true})
    const page = renderPage('mall-item', {id: '11'})
    await settle()
    const answered = wx.request
    wx.request = (opts) => (opts.method === 'POST' ? setTimeout(() => opts.fail({errMsg: 'request:fail timeout'}), 0) : answered(opts))
    await tap(page, '#redeem', '.van-button')
    await settle()
    const lost = page.instance.requestId
    expect(lost).toBeTruthy()
    wx.request = answered
    await tap(page, '#redeem', '.van-button')
    await settle()
    expect(api.find('POST', '/api/mp/mall/items/11/redeem')[0].data.request_id).toBe(lost)
  })

  test('not enough points: the button says so and is disabled', async () => {
    signIn()
    mockApi({'GET /api/mp/mall/items/11': WASH, 'GET /api/mp/points': {balance: 100, expiring: {}}})
    const page = renderPage('mall-item', {id: '11'})
    await settle()
    expect(text(find(page, '#redeem'))).toBe('积分不足')
    expect(page.instance.data.canRedeem).toBe(false)
  })
})
