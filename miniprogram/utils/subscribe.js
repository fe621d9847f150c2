// Ask for subscribe-message consent (wx.requestSubscribeMessage) and record what was accepted.
const api = require('./api')
const {SUBSCRIBE_TEMPLATES} = require('../config')

// keys: names in config.SUBSCRIBE_TEMPLATES, e.g. ['claimProgress']. Must run from a tap.
function requestSubscription(keys) {
  const ids = keys.map((key) => SUBSCRIBE_TEMPLATES[key]).filter(Boolean)
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: resolve,
      fail: () => resolve({}),
    })
  }).then((result) => {
    const accepted = ids.filter((id) => result[id] === 'accept')
    if (!accepted.length) {
      wx.showToast({title: '未开启提醒,可在设置中重新开启', icon: 'none'})
      return []
    }
    return api.post('/api/mp/subscriptions', {template_ids: accepted}).then(() => {
      wx.showToast({title: '已开启提醒', icon: 'success'})
      return accepted
    })
  })
}

module.exports = {requestSubscription}
