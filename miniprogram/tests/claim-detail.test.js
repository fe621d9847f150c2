const {renderPage, mockApi, fail, settle, text, find, all, tap, stubWx, signIn} = require('./helpers')

function claim(overrides = {}) {
  return Object.assign({
    id: 4, number: 'C2026000004', status: 'registered', status_label: '已立案', plate: '川A12345',
    policy_number: 'PC0000000001', paid: '0.00', repair_dealer_name: '成都一汽大众4S店',
    current_stage: 'repairing', current_stage_label: '维修中', accepts_uploads: true, documents_complete: false,
    timeline: [
      {stage: 'reported', label: '报案', state: 'done', at: '2026-11-20T02:30:00+00:00'},
      {stage: 'surveyed', label: '查勘', state: 'done', at: '2026-11-20T06:00:00+00:00'},
      {stage: 'registered', label: '立案', state: 'done', at: '2026-11-21T01:00:00+00:00'},
      {stage: 'repairing', label: '维修中', state: 'done', at: '2026-11-22T01:00:00+00:00', note: '成都一汽大众4S店'},
      {stage: 'documents_complete', label: '单证齐全', state: 'pending', at: null},
      {stage: 'paid', label: '已赔付', state: 'pending', at: null},
    ],
    checklist: [
      {kind: 'driving_licence', label: '驾驶证', hint: '正副页', required: true, uploaded: true, count: 1},
      {kind: 'repair_invoice', label: '维修发票', hint: null, required: true, uploaded: false, count: 0},
    ],
    documents: [{id: 1, kind: 'driving_licence', kind_label: '驾驶证'}],
  }, overrides)
}

test('shows the timeline up to the stage reached and the document checklist', async () => {
  signIn()
  mockApi({'GET /api/mp/claims/4': claim()})
  const page = renderPage('claim-detail', {id: '4'})
  await settle()

  expect(text(find(page, '.summary'))).toContain('当前进度:维修中')
  const steps = find(page, '#steps')
  expect(text(steps)).toContain('2026-11-20 10:30')
  expect(text(steps)).toContain('成都一汽大众4S店')
  expect(all(steps, '.van-step--finish')).toHaveLength(3)
  expect(text(find(steps, '.van-step--process'))).toContain('维修中')
  expect(text(find(page, '.checklist'))).toContain('1 项待上传')
  const docs = all(page, '.doc')
  expect(text(docs[0])).toContain('已上传 1 份')
  expect(text(docs[1])).toContain('维修发票')
  expect(text(find(page, '.upload-repair_invoice'))).toBe('上传')
})

test('uploading a photo sends it with its kind, then shows the refreshed checklist', async () => {
  signIn()
  let uploaded = false
  const api = mockApi({
    'GET /api/mp/claims/4': () => (uploaded
      ? claim({documents_complete: true, checklist: claim().checklist.map((c) => Object.assign({}, c, {uploaded: true, count: 1}))})
      : claim()),
    'POST /api/mp/claims/4/documents': () => {
      uploaded = true
      return {id: 2, kind: 'repair_invoice', kind_label: '维修发票'}
    },
  })
  stubWx('showActionSheet', {tapIndex: 0})
  stubWx('chooseMedia', {tempFiles: [{tempFilePath: 'wxfile://tmp/invoice.jpg', size: 120000}]})
  const page = renderPage('claim-detail', {id: '4'})
  await settle()

  await tap(page, '.upload-repair_invoice', '.van-button')
  await settle()

  const sent = api.find('POST', '/api/mp/claims/4/documents')
  expect(sent).toHaveLength(1)
  expect(sent[0]).toMatchObject({upload: true, filePath: 'wxfile://tmp/invoice.jpg', name: 'file', data: {kind: 'repair_invoice'}})
  expect(wx.chooseMedia.mock.calls[0][0].mediaType).toEqual(['image'])
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '上传成功'}))
  expect(text(find(page, '.checklist'))).toContain('资料已齐全')
})

test('a PDF comes from a chat; a refused file shows the API message', async () => {
  signIn()
  mockApi({
    'GET /api/mp/claims/4': claim(),
    'POST /api/mp/claims/4/documents': fail(400, '只能上传照片(JPG/PNG/HEIC)或 PDF 文件', 'bad_file_type'),
  })
  stubWx('showActionSheet', {tapIndex: 1})
  stubWx('chooseMessageFile', {tempFiles: [{path: 'wxfile://tmp/report.pdf', name: 'report.pdf'}]})
  const page = renderPage('claim-detail', {id: '4'})
  await settle()

  await tap(page, '.upload-repair_invoice', '.van-button')
  await settle()

  expect(wx.chooseMessageFile.mock.calls[0][0].extension).toEqual(['pdf'])
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '只能上传照片(JPG/PNG/HEIC)或 PDF 文件'}))
  expect(text(find(page, '.checklist'))).toContain('1 项待上传')
})

test('a closed claim takes no uploads; subscribing asks for the claim progress template', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/claims/4': claim({status: 'closed', status_label: '已结案', paid: '5230.00', accepts_uploads: false}),
    'POST /api/mp/subscriptions': {template_ids: ['CLAIM_PROGRESS_TEMPLATE_ID']}})
  stubWx('requestSubscribeMessage', {CLAIM_PROGRESS_TEMPLATE_ID: 'accept'})
  const page = renderPage('claim-detail', {id: '4'})
  await settle()

  expect(page.querySelector('.upload-repair_invoice')).toBeFalsy()
  expect(text(find(page, '.paid'))).toContain('¥5,230.00')
  await tap(page, '#subscribe-progress', '.van-button')
  expect(api.find('POST', '/api/mp/subscriptions')[0].data).toEqual({template_ids: ['CLAIM_PROGRESS_TEMPLATE_ID']})
})

test("another customer's claim shows the API's not-found message", async () => {
  signIn()
  mockApi({'GET /api/mp/claims/5': fail(404, '赔案不存在', 'not_found')})
  const page = renderPage('claim-detail', {id: '5'})
  await settle()
  expect(text(find(page, '#load-error'))).toContain('赔案不存在')
})
