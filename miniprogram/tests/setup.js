// Jest setup: the parts of the mini-program runtime miniprogram-simulate lacks (Page, App,
// getApp, getCurrentPages, storage), so the unmodified pages load as they are.
require('miniprogram-simulate') // defines global.wx and Component

// j-component lacks groupSetData (a batching helper Vant's tabs call); running the callback
// directly is what it amounts to.
const simulatedComponent = global.Component
global.Component = (options) => {
  options.methods = Object.assign({groupSetData: (callback) => callback()}, options.methods)
  return simulatedComponent(options)
}

const storage = new Map()
Object.assign(global.wx, {
  setStorageSync: (key, value) => storage.set(key, value),
  getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
  removeStorageSync: (key) => storage.delete(key),
  clearStorageSync: () => storage.clear(),
  getAccountInfoSync: () => ({miniProgram: {envVersion: 'develop', appId: 'touristappid'}}),
  // Every test stubs the network it expects; anything else is a mistake in the page or the test.
  request: (opts) => {
    throw new Error(`unexpected wx.request ${opts.method || 'GET'} ${opts.url}`)
  },
  uploadFile: (opts) => {
    throw new Error(`unexpected wx.uploadFile ${opts.url}`)
  },
})
global.__storage = storage

let appInstance = {globalData: {}}
global.App = (options) => {
  appInstance = Object.assign({}, options, {globalData: Object.assign({}, options.globalData)})
}
global.getApp = () => appInstance

global.__pageStack = []
global.getCurrentPages = () => global.__pageStack.slice()

const PAGE_LIFETIMES = ['onLoad', 'onShow', 'onReady', 'onHide', 'onUnload']

// A Page is registered as a Component whose lifetimes call the page's own hooks; every page
// function (handlers, onPullDownRefresh, onReachBottom, onShareAppMessage) becomes a method.
global.Page = (options) => {
  const methods = {}
  const extras = {}
  Object.keys(options).forEach((key) => {
    if (key === 'data') return
    if (typeof options[key] === 'function') methods[key] = options[key]
    else extras[key] = options[key]
  })
  global.Component({
    data: options.data || {},
    methods,
    lifetimes: {
      created() {
        Object.assign(this, extras)
      },
      attached() {
        const query = global.__nextPage ? global.__nextPage.query : {}
        this.route = global.__nextPage ? global.__nextPage.route : ''
        this.options = query
        global.__pageStack.push(this)
        if (this.onLoad) this.onLoad(query)
        if (this.onShow) this.onShow()
      },
      ready() {
        if (this.onReady) this.onReady()
      },
      detached() {
        global.__pageStack = global.__pageStack.filter((page) => page !== this)
        if (this.onUnload) this.onUnload()
      },
    },
  })
}
global.Page.lifetimes = PAGE_LIFETIMES

// End-to-end runs (tests/test_miniprogram_e2e.py sets BAOYUN_E2E_BASE_URL): wx.request and
// wx.uploadFile go over real HTTP, with Node's http module (jsdom has no fetch), to the backend the
// Python test started. Their answers have the shapes WeChat gives: request parses JSON, uploadFile
// hands over the body as a string.
if (process.env.BAOYUN_E2E_BASE_URL) {
  const fs = require('fs')
  const http = require('http')
  const path = require('path')

  const send = (opts, method, headers, body, done) => {
    const url = new URL(opts.url)
    if (body) headers['Content-Length'] = body.length
    const req = http.request({hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers},
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => done({statusCode: res.statusCode, raw: Buffer.concat(chunks).toString('utf8'),
          header: Object.assign({}, res.headers)}))
      })
    req.setTimeout(opts.timeout || 15000, () => req.destroy(new Error('timeout')))
    req.on('error', (err) => opts.fail && opts.fail({errMsg: `request:fail ${err.message}`}))
    if (body) req.write(body)
    req.end()
  }

  global.wx.request = (opts) => {
    const method = (opts.method || 'GET').toUpperCase()
    const body = method === 'GET' || opts.data === undefined ? null : Buffer.from(JSON.stringify(opts.data))
    send(opts, method, Object.assign({}, opts.header), body, (res) => {
      let data = res.raw
      try {
        data = JSON.parse(res.raw)
      } catch (err) {
        // not JSON: hand over the text, as wx.request does
      }
      opts.success({statusCode: res.statusCode, data, header: res.header})
    })
  }

  // multipart/form-data: the form fields, then the file under opts.name, as WeChat sends it.
  global.wx.uploadFile = (opts) => {
    const boundary = `----baoyun${Date.now().toString(16)}`
    const parts = Object.entries(opts.formData || {}).map(([key, value]) => Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name}"; ` +
      `filename="${path.basename(opts.filePath)}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
    parts.push(fs.readFileSync(opts.filePath), Buffer.from(`\r\n--${boundary}--\r\n`))
    const headers = Object.assign({}, opts.header, {'Content-Type': `multipart/form-data; boundary=${boundary}`})
    send(opts, 'POST', headers, Buffer.concat(parts), (res) => opts.success({statusCode: res.statusCode, data: res.raw}))
  }
}
