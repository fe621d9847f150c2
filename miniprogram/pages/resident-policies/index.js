// 本店保单 (resident managers): policies written through their dealer; names and plates masked.
const {createPagedList, emptyList, listHandlers} = require('../../utils/paged-list')

Page(Object.assign(listHandlers('policies'), {
  data: {list: emptyList()},

  onLoad() {
    this.policies = createPagedList(this, {path: '/api/mp/resident/policies', pageSize: 20})
    this.policies.reload()
  },
}))
