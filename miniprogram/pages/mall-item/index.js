// 商品详情: an item of the mall, redeemed for points after a confirmation. One request id per
// redemption the user means, so a retry after a lost answer cannot spend twice.
const api = require('../../utils/api')
const format = require('../../utils/format')

function stockText(item) {
  if (!item.in_stock) return '已兑完'
  if (item.stock === null || item.stock === undefined) return '库存充足'
  return `剩余 ${item.stock} 份`
}

Page({
  data: {item: null, error: '', balance: 0, quantity: 1, maxQuantity: 1, totalPoints: 0, canRedeem: false,
    redeemText: '立即兑换', redeeming: false},

  onLoad(query) {
    this.itemId = query.id
    this.load()
  },

  load() {
    this.setData({error: ''})
    return Promise.all([api.get(`/api/mp/mall/items/${this.itemId}`), api.get('/api/mp/points')])
      .then(([item, points]) => {
        const stockCap = item.stock === null || item.stock === undefined ? 99 : item.stock
        const limitCap = item.limit_quantity || 99
        this.setData({
          item: Object.assign({}, item, {faceText: format.money(item.face_value), stockText: stockText(item)}),
          balance: points.balance,
          maxQuantity: Math.max(1, Math.min(stockCap, limitCap, 99)),
        })
        this.refreshTotal()
      })
      .catch((err) => this.setData({error: err.message}))
  },

  refreshTotal() {
    const {item, quantity, balance} = this.data
    const total = item.price_points * quantity
    let redeemText = '立即兑换'
    if (!item.in_stock) redeemText = '已兑完'
    else if (total > balance) redeemText = '积分不足'
    this.setData({totalPoints: total, canRedeem: item.in_stock && total <= balance, redeemText})
  },

  onQuantityChange(event) {
    this.setData({quantity: Number(event.detail)})
    this.requestId = null // a different redemption
    this.refreshTotal()
  },

  onRedeem() {
    if (!this.data.canRedeem || this.data.redeeming) return
    const {item, quantity, totalPoints} = this.data
    wx.showModal({
      title: '确认兑换',
      content: `使用 ${totalPoints} 积分兑换「${item.name}」×${quantity}?`,
      confirmText: '确认兑换',
      confirmColor: '#d9363e',
      success: (res) => {
        if (res.confirm) this.redeem()
      },
    })
  },

  redeem() {
    if (!this.requestId) this.requestId = api.newRequestId()
    this.setData({redeeming: true})
    return api.post(`/api/mp/mall/items/${this.itemId}/redeem`, {quantity: this.data.quantity, request_id: this.requestId})
      .then((voucher) => {
        this.requestId = null
        wx.showToast({title: '兑换成功', icon: 'success'})
        wx.redirectTo({url: `/pages/voucher-detail/index?id=${voucher.id}`})
      })
      .catch((err) => {
        // Keep the id only when the answer was lost (network): the same redemption may be retried.
        if (err.status !== 0) this.requestId = null
        if (err.status && err.status !== 401) this.load()
      })
      .then(() => this.setData({redeeming: false}))
  },
})
