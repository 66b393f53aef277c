-- Seed: the park's facts as given by its one source article (cited in the `source` rows below).
-- Every row is written in the portal's own words, in Chinese and English. Nothing beyond that source:
-- where the source is silent (legal names, English names, founding years, dates) the field stays
-- empty ('') or null. Explicit integer ids so rows can reference each other.
-- company_search / company_search_state are left alone: the application builds the index itself.

-- ---------------------------------------------------------------------------------------------
-- Source
-- ---------------------------------------------------------------------------------------------

-- The article has no printed date; '2023-03' (month precision) is inferred, and the note says so.
insert into source (id, title_zh, title_en, publisher_zh, publisher_en, author_zh, author_en,
                    published_on, url, note_zh, note_en)
values (1,
    '吉林奋进春天里丨这个产业园如何孵化出了一个“光电信息”产业集群?',
    'Jilin Forging Ahead This Spring | How did this industrial park grow an "optoelectronic information" industry cluster?',
    '中国吉林网 / 吉刻APP',
    'China Jilin Net / Jike app',
    '王昕',
    'Wang Xin',
    '2023-03',
    null,
    '文章未注明发布日期。根据文中“早春三月”的描述及其引用的2023年吉林省政府工作报告（“今年”），推断发布于2023年3月。',
    'The article carries no publication date. March 2023 is inferred from its opening words "早春三月" (early spring, March) and from its reference to the Jilin Province 2023 government work report ("this year").');

-- ---------------------------------------------------------------------------------------------
-- Park (exactly one row)
-- ---------------------------------------------------------------------------------------------

-- name_en: the portal brands the park with its city, "Changchun Optoelectronic Information Industrial Park".
-- "北方光谷" is the park's stated ambition; stored as its nickname.
-- The layout is what the project is to build up step by step, hence "planned" wording.
insert into park (id, name_zh, name_en, alt_name_zh, alt_name_en, nickname_zh, nickname_en,
                  location_zh, location_en, builders_zh, builders_en, aim_zh, aim_en,
                  strategy_zh, strategy_en, ecosystem_zh, ecosystem_en,
                  core_competence_zh, core_competence_en, industry_layout_zh, industry_layout_en,
                  jobs_zh, jobs_en, outlook_zh, outlook_en, policy_context_zh, policy_context_en,
                  history_zh, history_en, source_id)
values (1,
    '光电信息产业园',
    'Changchun Optoelectronic Information Industrial Park',
    'CMOS相机技术与应用产业园',
    'CMOS Camera Technology and Application Industrial Park',
    '北方光谷',
    'Northern Optics Valley',
    '吉林省长春市长春经开区，浦东路与福州街交会处',
    'Changchun Economic and Technological Development Zone, at the crossing of Pudong Road and Fuzhou Street, Changchun, Jilin, China',
    '由长春经开区与中国科学院长春光机所共同打造，依托长春光机所的技术积累建设。',
    'Built by the Changchun Economic and Technological Development Zone together with the Changchun Institute of Optics, Fine Mechanics and Physics, Chinese Academy of Sciences (CIOMP), on CIOMP''s technology base.',
    '以CMOS图像传感器为核心，打造长春光电信息新兴产业集群，建成高端CMOS图像传感器技术研发和制造中心，成为光电信息产业集聚区和“北方光谷”。',
    'To build an emerging optoelectronic information industry cluster with CMOS image sensors at its core, to become a centre for high-end CMOS image sensor R&D and manufacturing, and to grow into a "Northern Optics Valley".',
    '园区发展思路：聚焦“一谷”、深耕“三园”、做亮“一街”。',
    'The park''s development strategy: "focus on one valley, deepen three parks, make one street shine" (聚焦“一谷”、深耕“三园”、做亮“一街”).',
    '构建“产学研用金、才政介美云”十方联动的光电信息产业生态圈。',
    'A ten-part optoelectronic information ecosystem (产学研用金、才政介美云) linking industry, academia, research, application and finance with talent, government, intermediaries, environment and amenities (美), and cloud.',
    '光机电、信息技术',
    'Opto-mechatronics and information technology',
    '以光机电、信息技术为核心竞争力，规划带动核心元器件设计与制造、新型复合材料、激光技术与应用、医疗仪器与大健康、光电分析与显示、航空航天和智能制造七大产业协同发展。',
    'Building on opto-mechatronics and information technology, the planned layout covers seven fields: core component design and manufacturing, new composite materials, laser technology and applications, medical instruments and health, optoelectronic analysis and display, aerospace, and intelligent manufacturing.',
    'CMOS图像传感器产业项目预计可提供数百个就业岗位。',
    'The CMOS image sensor project is expected to provide several hundred jobs.',
    '一、二、三期全部交付使用后，预计将有数百家光电企业在此集聚。',
    'Once phases 1, 2 and 3 are all delivered, several hundred optoelectronic companies are expected to cluster in the park.',
    '2023年吉林省政府工作报告提出，围绕“芯、光、星、车、网”五大领域增强产业创新能力，并支持CMOS高端图像传感器等重点项目建设。',
    'Jilin Province''s 2023 government work report names five priority fields: chips, optics, satellites, vehicles and networks (芯、光、星、车、网). It supports key projects such as high-end CMOS image sensors.',
    '“十三五”以来，长春光机所先后在此落地转化长光辰芯、长光华大等高新技术企业。园区CMOS图像传感器领域已形成以长光辰芯、圆辰两家企业为核心的格局。',
    'Since the 13th Five-Year Plan period, CIOMP has spun off high-tech companies here, among them Gpixel (长光辰芯) and 长光华大. The park''s CMOS image sensor field is built around two core companies: Gpixel and 圆辰.',
    1);

-- ---------------------------------------------------------------------------------------------
-- Sectors: the seven fields of the industry layout, in the source's order
-- ---------------------------------------------------------------------------------------------

-- Descriptions are generic scope statements; no companies or figures.
insert into sector (id, slug, name_zh, name_en, description_zh, description_en, sort_order) values
    (1, 'core-components', '核心元器件设计与制造', 'Core Component Design and Manufacturing',
        '核心光电与电子元器件的设计与制造，例如CMOS图像传感器芯片。',
        'Design and manufacture of core optoelectronic and electronic components, such as CMOS image sensor chips.', 1),
    (2, 'composite-materials', '新型复合材料', 'New Composite Materials',
        '新型复合材料的研发与生产。',
        'Development and production of new composite materials.', 2),
    (3, 'laser', '激光技术与应用', 'Laser Technology and Applications',
        '激光技术的研发及其在各领域的应用。',
        'Development of laser technology and its applications across industries.', 3),
    (4, 'medical-health', '医疗仪器与大健康', 'Medical Instruments and Health',
        '医疗与生物医学仪器以及大健康相关产品。',
        'Medical and biomedical instruments and other health-related products.', 4),
    (5, 'analysis-display', '光电分析与显示', 'Optoelectronic Analysis and Display',
        '光电分析仪器与显示技术。',
        'Optoelectronic analysis instruments and display technology.', 5),
    (6, 'aerospace', '航空航天', 'Aerospace',
        '航空航天相关的技术、装备与应用。',
        'Technology, equipment and applications for aviation and space.', 6),
    (7, 'intelligent-manufacturing', '智能制造', 'Intelligent Manufacturing',
        '智能制造装备与技术，包括精密光学加工与检测装备。',
        'Intelligent manufacturing equipment and technology, including precision optical machining and inspection equipment.', 7);

-- ---------------------------------------------------------------------------------------------
-- Phases
-- ---------------------------------------------------------------------------------------------

-- Phase 1: delivered; 22 tenants as of March 2023 (only 3 are named by the source).
-- Phase 2: status null, the source names it but says nothing about its state or dates.
-- Phase 3: under construction in March 2023, completion expected June 2024.
-- The park-wide start (May 2020) is not attributed to any phase, so construction_started_on stays null.
insert into phase (id, number, name_zh, name_en, status, construction_started_on, completed_on,
                   expected_completion_on, tenant_count_stated, as_of, note_zh, note_en, source_id) values
    (1, 1, '一期', 'Phase 1', 'delivered', null, null, null, 22, '2023-03',
        '一期已交付使用。截至2023年3月，已有22家企业入驻，来源文章点名介绍了其中3家。',
        'Delivered and in use. As of March 2023, 22 companies had moved in; the source article names three of them.',
        1),
    (2, 2, '二期', 'Phase 2', null, null, null, null, null, null,
        '来源文章将二期列为产业基地的组成部分，但未说明其日期或建设状态。',
        'The source article names phase 2 as part of the industrial base but gives no dates or status for it.',
        1),
    (3, 3, '三期', 'Phase 3', 'under_construction', null, null, '2024-06', null, '2023-03',
        '2023年3月，三期正在施工，预计2024年6月全部竣工。',
        'Under construction in March 2023; completion of all of phase 3 is expected in June 2024.',
        1);

-- ---------------------------------------------------------------------------------------------
-- Buildings
-- ---------------------------------------------------------------------------------------------

-- phase_id null: the source does not say which phase these buildings belong to.
insert into building (id, phase_id, name_zh, name_en, kind, building_count, completed_on, note_zh, note_en, source_id) values
    (1, null, '科技楼', 'Science and technology buildings', 'science_tech', 5, '2021-05',
        '5栋科技楼于2021年5月竣工并交付使用；来源未说明其所属期次。',
        'Five buildings, completed and handed over in May 2021. The source does not say which phase they belong to.',
        1),
    (2, null, '孵化楼', 'Incubation building', 'incubation', 1, '2021-12',
        '孵化楼于2021年12月竣工并交付使用；来源未说明其所属期次。',
        'Completed and handed over in December 2021. The source does not say which phase it belongs to.',
        1);

-- ---------------------------------------------------------------------------------------------
-- Designations
-- ---------------------------------------------------------------------------------------------

-- Short, generic descriptions of what each title is.
insert into designation (id, slug, name_zh, name_en, description_zh, description_en) values
    (1, 'national-high-tech', '国家高新技术企业', 'National High-Tech Enterprise',
        '中国国家层面认定的高新技术企业资质。',
        'A national Chinese certification for technology-intensive enterprises.'),
    (2, 'ic-design', '集成电路设计企业', 'Integrated Circuit Design Enterprise',
        '对从事集成电路设计的企业的认定。',
        'A recognition for enterprises engaged in integrated circuit design.'),
    (3, 'changchun-little-giant', '长春市科技型“小巨人”企业', 'Changchun Science and Technology "Little Giant" Enterprise',
        '长春市授予科技型企业的“小巨人”称号。',
        'A "little giant" title awarded by the city of Changchun to technology-based enterprises.');

-- ---------------------------------------------------------------------------------------------
-- Companies (the five named in the article)
-- ---------------------------------------------------------------------------------------------

-- Only Gpixel has an English name (its official brand); in English prose the other companies keep
-- their Chinese names rather than a made-up translation. legal_name_zh only where the article gives it.
-- phase_id 1 only for the three the article calls phase-1 tenants. founded_year, website, logo unknown.
-- ciomp_spinoff 1 only where FACTS says so (Gpixel, 长光华大); 0 = the source does not say.
-- Awards and designations live in their own tables, so highlights do not repeat them.
insert into company (id, slug, legal_name_zh, short_name_zh, legal_name_en, short_name_en, phase_id, building_id,
                     founded_year, ciomp_spinoff, description_zh, description_en, highlights_zh, highlights_en,
                     website, logo_path, status, source_id) values
    (1, 'gpixel', '', '长光辰芯', '', 'Gpixel', 1, null, null, 1,
        '长光辰芯是长春光机所落地转化的高新技术企业，从事CMOS图像传感器的研发与产业化。作为光电信息产业园一期入驻企业，它与圆辰同为园区CMOS图像传感器领域的两家核心企业。',
        'Gpixel is a CIOMP spin-off that develops and industrialises CMOS image sensors. A phase 1 tenant of the park, it is one of the two core companies of the park''s CMOS image sensor field, together with 圆辰.',
        '掌握低噪声全局快门像素设计、背照式芯片等核心技术' || char(10) ||
        '具备四大系列CMOS图像传感器的研发及产业化能力' || char(10) ||
        '已开发十余款性能达到国际一流水平的CMOS图像传感器芯片' || char(10) ||
        '业务遍及全球10多个国家' || char(10) ||
        '核心产品在细分领域的市场占有率超过50%' || char(10) ||
        '主要竞争对手在国外' || char(10) ||
        '生产规模快速增长' || char(10) ||
        '与圆辰同为园区CMOS图像传感器领域的两家核心企业',
        'Core technologies include low-noise global-shutter pixel design and back-side-illuminated (BSI) chips' || char(10) ||
        'R&D and industrialisation of four series of CMOS image sensors' || char(10) ||
        'More than ten CMOS image sensor chips with international first-class performance' || char(10) ||
        'Business in more than 10 countries' || char(10) ||
        'Core products hold over 50% market share in their niche' || char(10) ||
        'Main competitors are abroad' || char(10) ||
        'Production growing fast' || char(10) ||
        'One of the park''s two core CMOS image sensor companies, together with 圆辰',
        null, null, 'active', 1),
    (2, 'changguang-huada', '', '长光华大', '', '', null, null, null, 1,
        '长光华大是长春光机所在园区落地转化的高新技术企业之一。',
        '长光华大 is one of the high-tech companies that CIOMP has spun off in the park.',
        '', '',
        null, null, 'active', 1),
    (3, 'yuanchen', '', '圆辰', '', '', null, null, null, 0,
        '圆辰与长光辰芯同为园区CMOS图像传感器领域的两家核心企业。',
        '圆辰 is, together with Gpixel, one of the two core companies of the park''s CMOS image sensor field.',
        '与长光辰芯同为园区CMOS图像传感器领域的两家核心企业',
        'One of the park''s two core CMOS image sensor companies, together with Gpixel',
        null, null, 'active', 1),
    (4, 'changguang-daqi', '长春长光大器科技有限公司', '长光大器', '', '', 1, null, null, 0,
        '长光大器是光电信息产业园一期入驻企业，研制光学复杂曲面加工装备和高端复杂曲面检测装备，服务于超精密光学元件制造。',
        '长光大器 is a phase 1 tenant of the park. It makes machining equipment for complex curved optical surfaces and high-end inspection equipment for complex surfaces, serving the manufacture of ultra-precision optical components.',
        '研制光学复杂曲面加工装备' || char(10) ||
        '研制高端复杂曲面检测装备' || char(10) ||
        '服务于超精密光学元件制造',
        'Makes machining equipment for complex curved optical surfaces' || char(10) ||
        'Makes high-end inspection equipment for complex surfaces' || char(10) ||
        'Serves ultra-precision optical component manufacturing',
        null, null, 'active', 1),
    (5, 'chenying', '长春长光辰英生物科学仪器有限公司', '辰英仪器', '', '', 1, null, null, 0,
        '辰英仪器是光电信息产业园一期入驻企业，致力于将光学技术应用于生物学和医学问题，研发制造具有国际领先水平的生物医疗仪器。',
        '辰英仪器 is a phase 1 tenant of the park. It applies optical technology to problems in biology and medicine, and develops and manufactures internationally leading biomedical instruments.',
        '将光学技术应用于生物学和医学问题' || char(10) ||
        '研发制造具有国际领先水平的生物医疗仪器',
        'Applies optical technology to problems in biology and medicine' || char(10) ||
        'Develops and manufactures internationally leading biomedical instruments',
        null, null, 'active', 1);

-- ---------------------------------------------------------------------------------------------
-- Company ↔ sector
-- ---------------------------------------------------------------------------------------------

-- 长光华大 (2) gets no sector: FACTS gives none.
-- 圆辰 (3) is a core company of the park's CMOS image sensor field, hence core components.
insert into company_sector (company_id, sector_id) values
    (1, 1),  -- Gpixel: core component design and manufacturing
    (3, 1),  -- 圆辰: core component design and manufacturing
    (4, 7),  -- 长光大器: intelligent manufacturing
    (5, 4);  -- 辰英仪器: medical instruments and health

-- ---------------------------------------------------------------------------------------------
-- Company ↔ designation
-- ---------------------------------------------------------------------------------------------

insert into company_designation (company_id, designation_id) values
    (1, 1),  -- Gpixel: national high-tech enterprise
    (1, 2),  -- Gpixel: integrated circuit design enterprise
    (1, 3);  -- Gpixel: Changchun "little giant"

-- ---------------------------------------------------------------------------------------------
-- Milestones
-- ---------------------------------------------------------------------------------------------

-- Dates keep the source's precision (month, or day for the product launch).
-- The March 2023 rows record the state reported by the article ("as of" March 2023).
insert into milestone (id, occurred_on, kind, phase_id, building_id, company_id, product_name,
                       title_zh, title_en, description_zh, description_en, source_id) values
    (1, '2020-05', 'construction_started', null, null, null, '',
        '光电信息产业园项目开工',
        'Construction of the park begins',
        '光电信息产业园项目于2020年5月开工建设。',
        'Construction of the park project started in May 2020.',
        1),
    (2, '2021-05', 'handover', null, 1, null, '',
        '5栋科技楼竣工并交付使用',
        'Five science and technology buildings completed and handed over',
        '园区5栋科技楼于2021年5月竣工并交付使用。',
        'The park''s five science and technology buildings were completed and handed over in May 2021.',
        1),
    (3, '2021-12', 'handover', null, 2, null, '',
        '孵化楼竣工并交付使用',
        'Incubation building completed and handed over',
        '园区孵化楼于2021年12月竣工并交付使用。',
        'The park''s incubation building was completed and handed over in December 2021.',
        1),
    (4, '2023-02-14', 'product_launch', null, null, 1, 'GMAX4002',
        '长光辰芯推出GMAX4002高速版',
        'Gpixel launches the GMAX4002 high-speed version',
        'GMAX4002高速版是一款小面阵全局快门CMOS图像传感器。',
        'The GMAX4002 high-speed version is a small-format global-shutter CMOS image sensor.',
        1),
    (5, '2023-03', 'tenants', 1, null, null, '',
        '一期入驻企业达22家',
        '22 companies in phase 1',
        '据2023年3月的报道，已交付使用的一期共有22家企业入驻。',
        'As reported in March 2023, 22 companies had moved into phase 1, which is delivered and in use.',
        1),
    (6, '2023-03', 'other', 3, null, null, '',
        '三期施工中，预计2024年6月全部竣工',
        'Phase 3 under construction, full completion expected in June 2024',
        '2023年3月，三期正在施工，预计于2024年6月全部竣工。',
        'In March 2023 phase 3 was under construction; all of it is expected to be complete in June 2024.',
        1);

-- ---------------------------------------------------------------------------------------------
-- Competitions and awards
-- ---------------------------------------------------------------------------------------------

insert into competition (id, slug, name_zh, name_en) values
    (1, 'china-innovation-entrepreneurship', '中国创新创业大赛', 'China Innovation and Entrepreneurship Competition'),
    (2, 'cas-medical-device-roadshow', '中科院先进医疗器械产业孵化联盟路演', 'Roadshow of the CAS Advanced Medical Device Industry Incubation Alliance'),
    (3, 'jilin-hard-tech', '吉林省“硬科技”创新创业大赛', 'Jilin Province "Hard Tech" Innovation and Entrepreneurship Competition'),
    (4, 'jilin-youth-chuangqingchun', '“创青春”吉林省青年创新创业大赛', '"Chuang Qingchun" Jilin Youth Innovation and Entrepreneurship Competition');

-- year null throughout: the article states no award year. Money null where not stated (never 0);
-- project_support_yuan = science-and-technology development plan project support.
insert into award (id, company_id, competition_id, edition, division_zh, division_en, organiser_zh, organiser_en,
                   group_zh, group_en, rank_zh, rank_en, year, prize_money_yuan, project_support_yuan, source_id) values
    (1, 4, 1, 10, '吉林赛区', 'Jilin division', '吉林省科学技术厅', 'Jilin Provincial Department of Science and Technology',
        '初创组', 'Start-up group', '二等奖', 'Second prize', null, 40000, 250000, 1),
    (2, 5, 1, 9, '吉林赛区', 'Jilin division', '吉林省科学技术厅', 'Jilin Provincial Department of Science and Technology',
        '成长组', 'Growth group', '二等奖', 'Second prize', null, 60000, 300000, 1),
    (3, 5, 2, null, '', '', '', '',
        '', '', '一等奖', 'First prize', null, null, null, 1),
    (4, 5, 3, 1, '', '', '', '',
        '', '', '金奖', 'Gold award', null, null, null, 1),
    (5, 5, 4, 6, '', '', '', '',
        '', '', '金奖', 'Gold award', null, null, null, 1);
