// 券详情: the code and its QR while unused (the partner scans it once); cancel with refund.
const api = require('../../utils/api')
const format = require('../../utils/format')

// "ABCD1234EFGH" -> "ABCD 1234 EFGH": easier to read out at the counter.
function groupCode(code) {
  return code ? code.replace(/(.{4})(?=.)/g, '$1 ') : ''
}

Page({
  data: {voucher: null, error: '', cancelling: false},

  onLoad(query) {
    this.voucherId = query.id
    this.load()
  },

  load() {
    this.setData({error: ''})
    return api.get(`/api/mp/vouchers/${this.voucherId}`)
      .then((v) => this.setData({voucher: Object.assign({}, v, {
        codeText: groupCode(v.code),
        expiresText: format.dateTime(v.expires_at),
        usedText: format.dateTime(v.used_at),
      })}))
      .catch((err) => this.setData({error: err.message}))
  },

  onCancel() {
    if (this.data.cancelling) return
    wx.showModal({
      title: '取消兑换',
      content: `取消后券码失效,${this.data.voucher.points} 积分退回您的账户。确定取消?`,
      confirmText: '确定取消',
      cancelText: '再想想',
      confirmColor: '#d9363e',
      success: (res) => {
        if (!res.confirm) return
        this.setData({cancelling: true})
        api.post(`/api/mp/vouchers/${this.voucherId}/cancel`)
          .then(() => {
            wx.showToast({title: '已取消,积分已退回', icon: 'none'})
            return this.load()
          })
          .catch(() => {})
          .then(() => this.setData({cancelling: false}))
      },
    })
  },
})
