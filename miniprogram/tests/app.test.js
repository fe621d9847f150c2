// The project as WeChat DevTools reads it: every page in app.json exists, every component a page
// or component uses resolves (ours under /components, Vant under miniprogram_npm as "build npm"
// leaves it), and the tab bar lists pages that exist.
const fs = require('fs')
const path = require('path')
const {ROOT} = require('./helpers')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))

function resolveComponent(fromDir, target) {
  if (target.startsWith('@vant/')) return path.join(ROOT, 'miniprogram_npm', target)
  if (target.startsWith('/')) return path.join(ROOT, target)
  return path.join(fromDir, target)
}

function checkUsing(file, seen = new Set()) {
  if (seen.has(file)) return []
  seen.add(file)
  const json = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8'))
  const missing = []
  Object.entries(json.usingComponents || {}).forEach(([tag, target]) => {
    const resolved = resolveComponent(path.dirname(file), target)
    if (!fs.existsSync(`${resolved}.json`) || !fs.existsSync(`${resolved}.js`)) missing.push(`${file}: ${tag} -> ${target}`)
    else missing.push(...checkUsing(resolved, seen))
  })
  return missing
}

test('every page in app.json has its json, wxml and js, and is a page with a title', () => {
  expect(app.pages.length).toBeGreaterThanOrEqual(18)
  app.pages.forEach((page) => {
    ['json', 'wxml', 'js'].forEach((ext) => expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true))
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${page}.json`), 'utf8'))
    expect(json.navigationBarTitleText).toMatch(/[\u4e00-\u9fa5]/)
    expect(fs.readFileSync(path.join(ROOT, `${page}.js`), 'utf8')).toMatch(/^Page\(/m)
  })
})

test('every component used anywhere resolves, Vant included', () => {
  const missing = app.pages.flatMap((page) => checkUsing(path.join(ROOT, page)))
  expect(missing).toEqual([])
})

test('the tab bar is 首页 / 保单 / 积分商城 / 我的, on pages that exist', () => {
  expect(app.tabBar.list.map((t) => t.text)).toEqual(['首页', '保单', '积分商城', '我的'])
  app.tabBar.list.forEach((t) => expect(app.pages).toContain(t.pagePath))
})

test('the committed Vant build is exactly what "build npm" makes of the pinned @vant/weapp', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const installed = path.join(ROOT, 'node_modules/@vant/weapp')
  expect(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version).toBe(pkg.dependencies['@vant/weapp'])
  const lib = path.join(installed, 'lib') // its package.json names lib/ as the "miniprogram" folder
  const built = path.join(ROOT, 'miniprogram_npm/@vant/weapp')
  const files = (dir) => fs.readdirSync(dir, {recursive: true}).filter((f) => fs.statSync(path.join(dir, f)).isFile())
  const libFiles = files(lib).sort()
  expect(files(built).filter((f) => f !== 'LICENSE').sort()).toEqual(libFiles)
  const differing = libFiles.filter((f) => !fs.readFileSync(path.join(lib, f)).equals(fs.readFileSync(path.join(built, f))))
  expect(differing).toEqual([])
})
