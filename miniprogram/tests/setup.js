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
