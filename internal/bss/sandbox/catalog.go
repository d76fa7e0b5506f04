package sandbox

// catalog holds the product catalogues in both languages the upstream serves (X-Language
// zh_CN or en_US). It is fixed data, the same for every seed.
type catalog struct {
	serviceTypes  []serviceType
	resourceTypes []resourceType
	usageTypes    []usageType
}

type text struct{ zh, en string }

func (t text) in(lang string) string {
	if lang == "en_US" {
		return t.en
	}
	return t.zh
}

type serviceType struct {
	code, abbr string
	name       text
}

type resourceType struct {
	code, service string
	name, desc    text
	isMain        bool
	specs         []string
	measure       int // spec_size_measure_id: 17 GB, 0 none
}

type usageType struct {
	code, resourceType string
	name               text
}

func newCatalog() catalog {
	return catalog{
		serviceTypes: []serviceType{
			{"hws.service.type.ec2", "ECS", text{"弹性云服务器", "Elastic Cloud Server"}},
			{"hws.service.type.ebs", "EVS", text{"云硬盘", "Elastic Volume Service"}},
			{"hws.service.type.vpc", "VPC", text{"虚拟私有云", "Virtual Private Cloud"}},
			{"hws.service.type.rds", "RDS", text{"云数据库 RDS", "Relational Database Service"}},
			{"hws.service.type.obs", "OBS", text{"对象存储服务", "Object Storage Service"}},
			{"hws.service.type.cdn", "CDN", text{"内容分发网络", "Content Delivery Network"}},
			{"hws.service.type.dcs", "DCS", text{"分布式缓存服务", "Distributed Cache Service"}},
			{"hws.service.type.cce", "CCE", text{"云容器引擎", "Cloud Container Engine"}},
		},
		resourceTypes: []resourceType{
			{"hws.resource.type.vm", "hws.service.type.ec2", text{"云主机", "Virtual machine"}, text{"弹性云服务器实例", "ECS instance"}, true,
				[]string{"s6.large.2.linux", "c7.xlarge.2.linux", "m6.2xlarge.8.linux"}, 0},
			{"hws.resource.type.volume", "hws.service.type.ebs", text{"云硬盘", "Disk"}, text{"云硬盘存储卷", "EVS volume"}, true,
				[]string{"SSD", "GPSSD", "SAS"}, 17},
			{"hws.resource.type.ip", "hws.service.type.vpc", text{"弹性公网IP", "Elastic IP"}, text{"公网 IP 地址", "Public IP address"}, false,
				[]string{"5_bgp"}, 0},
			{"hws.resource.type.bandwidth", "hws.service.type.vpc", text{"带宽", "Bandwidth"}, text{"公网带宽", "Public bandwidth"}, true,
				[]string{"19_bgp"}, 15},
			{"hws.resource.type.rds.vm", "hws.service.type.rds", text{"数据库实例", "DB instance"}, text{"云数据库实例", "RDS DB instance"}, true,
				[]string{"rds.mysql.x1.large.2.ha", "rds.pg.x1.xlarge.4"}, 0},
			{"hws.resource.type.dcs", "hws.service.type.dcs", text{"缓存实例", "Cache instance"}, text{"Redis 缓存实例", "Redis instance"}, true,
				[]string{"redis.ha.xu1.large.r2.2"}, 0},
			{"hws.resource.type.cce.cluster", "hws.service.type.cce", text{"容器集群", "Container cluster"}, text{"CCE 集群", "CCE cluster"}, true,
				[]string{"cce.s2.small"}, 0},
			{"hws.resource.type.obs", "hws.service.type.obs", text{"对象存储", "Object storage"}, text{"标准存储", "Standard storage"}, false, nil, 0},
			{"hws.resource.type.cdn", "hws.service.type.cdn", text{"CDN 加速", "CDN acceleration"}, text{"内容分发流量", "CDN traffic"}, false, nil, 0},
		},
		usageTypes: []usageType{
			{"duration", "hws.resource.type.vm", text{"时长", "Duration"}},
			{"capacity", "hws.resource.type.volume", text{"容量", "Capacity"}},
			{"duration", "hws.resource.type.bandwidth", text{"时长", "Duration"}},
			{"upflow", "hws.resource.type.bandwidth", text{"上行流量", "Upstream traffic"}},
			{"duration", "hws.resource.type.rds.vm", text{"时长", "Duration"}},
			{"capacity", "hws.resource.type.obs", text{"存储容量", "Storage capacity"}},
			{"downflow", "hws.resource.type.obs", text{"公网流出流量", "Internet outbound traffic"}},
			{"downflow", "hws.resource.type.cdn", text{"下行流量", "Downstream traffic"}},
			{"duration", "hws.resource.type.dcs", text{"时长", "Duration"}},
		},
	}
}

func (c catalog) service(code string) serviceType {
	for _, s := range c.serviceTypes {
		if s.code == code {
			return s
		}
	}
	return serviceType{code: code}
}

func (c catalog) resourceType(code string) resourceType {
	for _, r := range c.resourceTypes {
		if r.code == code {
			return r
		}
	}
	return resourceType{code: code}
}
