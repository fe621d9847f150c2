// 积分商城 (tab): the catalogue by category, with my balance above it.
const api = require('../../utils/api')
const {createPagedList, emptyList, listHandlers} = require('../../utils/paged-list')

const CATEGORIES = [
  {name: 'all', title: '全部'},
  {name: 'car_wash', title: '洗车'},
  {name: 'designated_driver', title: '代驾'},
  {name: 'inspection', title: '年检'},
  {name: 'maintenance', title: '保养'},
  {name: 'gift', title: '礼品'},
]

Page(Object.assign(listHandlers('items'), {
  data: {categories: CATEGORIES, category: 'all', balance: '-', list: emptyList()},

  onLoad() {
    this.items = createPagedList(this, {
      path: '/api/mp/mall/items',
      pageSize: 20,
      params: () => (this.data.category === 'all' ? {} : {category: this.data.category}),
    })
    this.items.reload()
  },

  onShow() {
    // Back from a redemption: the balance has changed.
    api.get('/api/mp/points', {}, {silent: true}).then((p) => this.setData({balance: p.balance})).catch(() => {})
  },

  onCategoryChange(event) {
    this.setData({category: event.detail.name, list: emptyList()})
    this.items.reload()
  },

  onOpen(event) {
    wx.navigateTo({url: `/pages/mall-item/index?id=${event.currentTarget.dataset.id}`})
  },

  goVouchers() {
    wx.navigateTo({url: '/pages/vouchers/index'})
  },
}))
