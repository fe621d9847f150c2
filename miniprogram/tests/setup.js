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

// End-to-end runs (tests/test_miniprogram_e2e.py sets BAOYUN_E2E_BASE_URL): wx.request goes over
// real HTTP, with Node's http module (jsdom has no fetch), to the backend the Python test started.
if (process.env.BAOYUN_E2E_BASE_URL) {
  const http = require('http')
  global.wx.request = (opts) => {
    const url = new URL(opts.url)
    const method = (opts.method || 'GET').toUpperCase()
    const body = method === 'GET' || opts.data === undefined ? null : Buffer.from(JSON.stringify(opts.data))
    const headers = Object.assign({}, opts.header)
    if (body) headers['Content-Length'] = body.length
    const req = http.request({hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers},
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8')
          let data = raw
          try {
            data = JSON.parse(raw)
          } catch (err) {
            // not JSON: hand over the text, as wx.request does
          }
          const header = {}
          Object.entries(res.headers).forEach(([key, value]) => {
            header[key] = value
          })
          opts.success({statusCode: res.statusCode, data, header})
        })
      })
    req.setTimeout(opts.timeout || 15000, () => req.destroy(new Error('timeout')))
    req.on('error', (err) => opts.fail && opts.fail({errMsg: `request:fail ${err.message}`}))
    if (body) req.write(body)
    req.end()
  }
}
